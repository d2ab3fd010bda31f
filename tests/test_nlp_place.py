import pytest

from nlp import Classifier, Place, extract_place


@pytest.mark.parametrize("text,expected", [
    ("3号楼2单元楼道灯坏了", Place("3号楼2单元", building="3", unit="2")),
    ("5栋1801漏水", Place("5栋1801", building="5", room="1801")),
    ("B区12幢门口", Place("B区12幢", building="12", area="B")),
    ("7-2-301的邻居", Place("7-2-301", building="7", unit="2", room="301")),
    ("8棟那邊", Place("8棟", building="8")),
    ("三号楼五单元", Place("三号楼五单元", building="3", unit="5")),
    ("A区停电", Place("A区", area="A")),
    ("3单元楼道里", Place("3单元", unit="3")),
    ("1602的,管好你家猫", Place("1602", room="1602")),
    ("Ｃ区５栋", Place("Ｃ区５栋", building="5", area="C")),
])
def test_addresses(text, expected):
    p = extract_place(text)
    assert p == expected
    assert p.text in text


@pytest.mark.parametrize("text,area", [("地下车库B2有积水", "地下车库B2"), ("东门外摆摊", "东门")])
def test_landmarks(text, area):
    p = extract_place(text)
    assert p is not None and p.kind == "landmark" and p.area == area and p.text in text


@pytest.mark.parametrize("text", ["我家住18楼", "23樓", "那栋楼", "10斤装39.9元", "电话138xxxx8888"])
def test_not_places(text):
    assert extract_place(text) is None


def test_classifier_attaches_place():
    c = Classifier.from_file()
    assert c.classify("12栋2单元电梯困人了").place.as_dict()["unit"] == "2"
