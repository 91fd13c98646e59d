"""Print the red-flag catalogue as the Markdown table in docs/safety.md (run after changing the catalogue).

    python bench/catalogue_table.py
"""

from __future__ import annotations


def main() -> int:
    from assistant.safety.catalogue import load_catalogue

    print("| flag | level | reply | category | warning sign | clinical sources |")
    print("| --- | --- | --- | --- | --- | --- |")
    for f in load_catalogue().flags:
        sources = "; ".join(f.sources).replace("|", "/")
        print(f"| `{f.id}` | {f.level} | {f.reply} | {f.category} | {f.title} | {sources} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
