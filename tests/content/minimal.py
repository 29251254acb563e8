"""A tiny, valid content directory that tests copy and break one way at a time."""

from __future__ import annotations

from pathlib import Path

SAFETY = "  - Stop at once if you feel sharp or unusual pain.\n"

FILES: dict[str, str] = {
    "anatomy/glute-a.md": """---
id: glute-a
kind: muscle
name: Glute A
aliases: [ga]
region: glutes
summary: A test muscle that sits at the back of the hip.
origin: The back of the pelvis, in a test.
insertion: The top of the thigh bone, in a test.
nerve: A test nerve (L5, S1).
actions:
  - Extends the hip.
everyday:
  - Climbing stairs.
when_weak:
  - The lower back takes over.
related: [bone-b]
---
A short body text.
""",
    "anatomy/bone-b.md": """---
id: bone-b
kind: structure
name: Bone B
region: pelvis
summary: A test bone where the muscle starts.
related: [glute-a]
---
A bone.
""",
    "exercises/basic-move.md": """---
id: basic-move
kind: exercise
part: 2
name: Basic move
level: beginner
pattern: bridge
intensity: light
position: standing
muscles:
  primary: [glute-a]
dose: {sets: 2, reps: 10}
steps:
  - Lie down.
  - Lift the hips.
  - Lower slowly.
cues: [Ribs down., Push the floor away.]
mistakes: [Arching the back; keep ribs down., Rushing; slow down.]
safety:
"""
    + SAFETY
    + """stretches: [easy-stretch]
regression_note: Make the range shorter.
progression: hard-move
---
Why it matters.
""",
    "exercises/hard-move.md": """---
id: hard-move
kind: exercise
part: 3
name: Hard move
level: advanced
pattern: hinge
intensity: heavy
position: standing
muscles:
  primary: [glute-a]
dose: {sets: 3, reps: 8, per_side: true}
steps:
  - Stand on one leg.
  - Hinge forward.
  - Stand tall.
cues: [Hips level., Long spine.]
mistakes: [Twisting; keep hips square., Rounding; hinge less.]
safety:
"""
    + SAFETY
    + """stretches: [roll-it]
regression: basic-move
progression_note: Hold a weight.
swaps:
  back: Keep the range short and stop if the back aches.
  injury: basic-move
---
Harder.
""",
    "stretches/easy-stretch.md": """---
id: easy-stretch
kind: stretch
name: Easy stretch
area: glutes
position: seated
targets: [glute-a]
dose: {sets: 2, seconds: 30, per_side: true}
steps: [Lie down., Cross the ankle., Pull gently.]
cues: [Breathe., Relax the shoulders.]
mistakes: [Bouncing; hold still.]
safety:
"""
    + SAFETY
    + """---
Loosens the hip.
""",
    "release/roll-it.md": """---
id: roll-it
kind: release
name: Roll it
area: glutes
equipment: [foam roller]
position: seated
targets: [glute-a]
dose: {seconds: 45, per_side: true}
steps: [Sit on the roller., Roll slowly., Pause on tender spots.]
cues: [Slow passes., Breathe out.]
mistakes: [Rolling fast; slow down.]
safety:
"""
    + SAFETY
    + """swaps:
  no_equipment: {skip: true, note: "No roller? Leave it out today."}
---
Eases the hip.
""",
    "lessons/part-1.md": """---
id: part-1
kind: lesson
part: 1
title: Why it matters
mentions: [glute-a]
---
## First
Some text.

## Second
More text.
""",
    "programs/test-program.yaml": """id: test-program
name: Test program
summary: A week that uses everything once.
level: beginner
days:
"""
    + "".join(
        f"""  - day: {n}
    title: Day {n}
    focus: glute-a
    warmup: [{{id: roll-it}}]
    exercises: [{{id: basic-move}}, {{id: hard-move, sets: 2}}]
    cooldown: [{{id: easy-stretch}}]
"""
        for n in range(1, 7)
    )
    + """  - day: 7
    rest: true
    title: Rest
    mobility: [{id: easy-stretch}]
""",
}


def write(root: Path, changes: dict[str, str | None] | None = None) -> Path:
    """Write the minimal content under `root`, with files replaced (or removed: None)."""
    files: dict[str, str | None] = {**FILES, **(changes or {})}
    for rel, text in files.items():
        if text is None:
            continue
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
