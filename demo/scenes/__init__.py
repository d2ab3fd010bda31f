"""Scenes of `linli demo`, played in this order; each is `async def scene(demo)`."""
SCENES = ["setup", "cases", "projects", "polls", "reports", "street", "rounds", "faq", "council",
          "wishes", "rights"]
