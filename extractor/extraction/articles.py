"""Articles: load them, attach their metadata, and clean scraped-news debris.

Cleaning only ever deletes characters, so every character the model sees has
an exact position in the file as received: evidence quoted from the cleaned
text maps back through :meth:`CleanedText.to_original` and can be checked
against the original bytes, whose SHA-256 every run records.
"""

from __future__ import annotations

import bisect
import datetime
import functools
import hashlib
import json
import re
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress
from pathlib import Path
from types import MappingProxyType

from extractor.errors import ArticleError, InputError, MetadataError

__all__ = [
    "MANIFEST_NAME",
    "Article",
    "ArticleMeta",
    "CleanedText",
    "Removal",
    "clean_text",
    "corpus_splits",
    "expand_paths",
    "load_article",
    "load_articles",
    "load_corpus",
]

MANIFEST_NAME = "metadata.json"


@dataclass(frozen=True)
class ArticleMeta:
    """What is known about an article besides its text; ``published_source`` says which layer won."""

    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: datetime.date | None = None
    published_source: str | None = None  # "cli" | "sidecar" | "manifest" | "text" | None
    split: str | None = None  # the corpus split it belongs to ("seeds", "dev", "test"), from the manifest
    round: int = 1  # the manifest's collection round: a split that grew later holds articles of round 2 and on


@dataclass(frozen=True)
class Removal:
    """A deleted piece of debris, kept so a reviewer can see exactly what the model was not shown."""

    kind: str  # "template" | "app_promo" | "site_notice" | "image_credit" | "date_line" | "duplicate_body"
    start: int
    end: int


@dataclass(frozen=True)
class CleanedText:
    """Cleaned text plus, for each of its characters, where that character sits in the original.

    ``offsets`` has one extra entry: the original position just after the last kept character
    (0 for an empty text), so an end index of ``len(text)`` has a position too. Tidying of blank
    lines and surrounding whitespace is not recorded in ``removals``: it is not debris.
    """

    text: str
    offsets: tuple[int, ...]
    removals: tuple[Removal, ...]
    date_line: datetime.date | None
    captions: tuple[tuple[int, int], ...] = ()  # photo captions left in ``text`` (:func:`find_captions`)

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of the cleaned text to the original.

        The end comes from the last character inside the span, not from ``offsets[end]``, so that
        debris deleted right after the span is not dragged into it.
        """
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span [{start}, {end}) is outside the cleaned text (length {len(self.text)})")
        if start == end:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


@dataclass(frozen=True)
class Article:
    """One article as received (``original``, ``sha256``) and as the model sees it (``cleaned``)."""

    id: str
    path: Path
    original: str
    sha256: str
    cleaned: CleanedText
    meta: ArticleMeta

    @property
    def text(self) -> str:
        return self.cleaned.text

    def to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.cleaned.to_original(start, end)


# --- cleaning ----------------------------------------------------------------------------------
#
# Every rule finds spans in the current view of the text (the original minus what is already
# deleted); the rules run in turn until none finds anything, because one deletion can expose
# more debris ("{{a}}CLICK HERE{{/a}}" only reads as a promotion once the tags are gone). Lines
# end at "\n" (a CRLF is one break); a line is blank when it holds only whitespace.

_Span = tuple[int, int]
_MAX_CAPTION = 150
_MAX_CREDIT = 200
_TERMINAL = (".", "!", "?", ":", ";", ",", "…", '"', "”", "’")

_TAG = re.compile(r"\{\{\{?[^{}\n]*\}\}\}?")
_PROMO_CAPS = re.compile(r"\b(?:CLICK|TAP) HERE\b|\b(?:DOWNLOAD|GET|INSTALL)\b.*\bAPPS?\b")
_PROMO_ANY = re.compile(
    r"(?:click|tap) here\b|(?:download|get|install) (?:the|our)\b.{0,80}\bapps?[.!]?\Z|.*\badd to home ?screen\b", re.I
)
# A page's notice to its reader, not the story's words (dev 149: "We’re sorry, this feature is currently unavailable.
# We’re working to restore it. Please try again later.", which the model quoted as an attack's only evidence, and
# "This was published 8 years ago" above the byline).
_NOTICE = re.compile(
    r"(?:we(?:'|’)re|we are) sorry\b.*\b(?:unavailable|try again later)\b.*"
    r"|this (?:article |story |page )?was (?:first )?published (?:more than |over )?(?:\d+|an?|one) "
    r"(?:years?|months?|weeks?|days?|hours?) ago\.?",
    re.I,
)
_DATE_MARKER = re.compile(r"\s*date:?[ \t]+([0-9]{4}-[0-9]{2}-[0-9]{2})(?!\S)[ \t]*(?:\r?\n)?", re.I)
_CREDIT_LEAD = re.compile(
    r"\(?(?:(?:file |representational |representative )?(?:image|photo|picture|pic|photograph)s?(?: credit)?"
    r"|credit|screenshot|screengrab)\s*(?:[:/|]|by\b|courtesy\b)",
    re.I,
)
_CREDIT_SLASH = re.compile(r"\b(?:image|photo|picture|pic)s?\s*/", re.I)
_SOURCES = (
    "Reuters", "AP", "AFP", "Getty Images", "Getty", "EPA", "EPA-EFE", "Associated Press", "Anadolu",
    "Anadolu Agency", "Xinhua", "Shutterstock", "Alamy", "Sipa USA", "SOPA Images", "NurPhoto",
    "Wikimedia Commons", "Pixabay", "Unsplash", "Twitter", "Facebook", "Instagram", "Telegram", "YouTube",
    "IANS", "PTI", "ANI", "WANA",
)  # fmt: skip
_CREDIT_TAIL = re.compile(
    r"(?:^|(?<=[\s/(|,\-–—]))(?:" + "|".join(map(re.escape, sorted(_SOURCES, key=len, reverse=True))) + r")\)?\Z"
)
_SEPARATORS = ("/", "|", ",", "-", "–", "—", " via")
_WHITESPACE = re.compile(r"\s+")
_BREAK = re.compile(r"\r?\n")


def _lines(text: str) -> list[tuple[int, int, int]]:
    """``(start, content_end, stop)`` per line: the content excludes the break, ``stop`` includes it."""
    out: list[tuple[int, int, int]] = []
    pos = 0
    while pos < len(text):
        newline = text.find("\n", pos)
        if newline < 0:
            out.append((pos, len(text), len(text)))
            break
        end = newline - 1 if newline > pos and text[newline - 1] == "\r" else newline
        out.append((pos, end, newline + 1))
        pos = newline + 1
    return out


def _find_templates(text: str) -> list[_Span]:
    """Mustache tags never occur in prose; a line that held only tags goes whole, break included."""
    if "{{" not in text:
        return []
    spans: list[_Span] = []
    for start, end, stop in _lines(text):
        line = text[start:end]
        tags = list(_TAG.finditer(line))
        if not tags:
            continue
        if not _TAG.sub("", line).strip():
            spans.append((start, stop))
            continue
        for tag in tags:
            tag_end = start + tag.end()
            if tag.start() == 0 or line[tag.start() - 1] in " \t":  # "a {{x}} b" -> "a b", not "a  b"
                while tag_end < end and text[tag_end] in " \t":
                    tag_end += 1
            spans.append((start + tag.start(), tag_end))
    return spans


def _is_app_promo(line: str) -> bool:
    if not line or len(line) > _MAX_CAPTION:
        return False
    shouting = line == line.upper() != line.lower()
    return bool(shouting and _PROMO_CAPS.search(line)) or _PROMO_ANY.match(line) is not None


def _find_app_promos(text: str) -> list[_Span]:
    return [(start, stop) for start, end, stop in _lines(text) if _is_app_promo(text[start:end].strip())]


def _is_site_notice(line: str) -> bool:
    return len(line) <= _MAX_CAPTION and _NOTICE.fullmatch(line) is not None


def _find_site_notices(text: str) -> list[_Span]:
    return [(start, stop) for start, end, stop in _lines(text) if _is_site_notice(text[start:end].strip())]


def _date_marker(text: str) -> tuple[int, datetime.date] | None:
    """A leading ``date YYYY-MM-DD`` and where it ends; an impossible date is not a marker, so it stays."""
    match = _DATE_MARKER.match(text)
    if match is None:
        return None
    try:
        return match.end(), datetime.date.fromisoformat(match.group(1))
    except ValueError:
        return None


def _find_date_line(text: str) -> list[_Span]:
    marker = _date_marker(text)
    return [] if marker is None else [(0, marker[0])]


def _is_credit(line: str, before: str) -> bool:
    """A photo credit: starts with a credit label, has an ``Image/``-style slash, or ends with a source.

    A source name at the end only counts when nothing but a photographer precedes it ("Jane Doe /
    Reuters") or the caption line repeated ("Iran's flag" / "Iran's flag Reuters"): a subhead
    such as "Why Twitter matters" must survive.
    """
    if len(line) > _MAX_CREDIT:
        return False
    if _CREDIT_LEAD.match(line):
        return True
    if _CREDIT_SLASH.search(line) and not line.endswith((".", "!", "?")):
        return True
    tail = _CREDIT_TAIL.search(line)
    if tail is None:
        return False
    prefix = line[: tail.start()].rstrip().removesuffix("(").rstrip()
    if not prefix or prefix == before:
        return True
    return len(prefix.split()) <= 8 and (prefix.endswith(_SEPARATORS) or prefix == "via")


def _find_image_credits(text: str) -> list[_Span]:
    """Credit lines, and the caption just above one when it is plainly a caption.

    The caption goes when the credit repeats it, or when it sits directly above the credit without
    terminal punctuation (subheads usually end in "?" or stand apart). The first line is the title
    and is never touched.
    """
    lines = _lines(text)
    content = [text[start:end].strip() for start, end, _ in lines]
    nonblank = [i for i, line in enumerate(content) if line]
    drop: set[int] = set()
    for pos in range(1, len(nonblank)):
        here, above = nonblank[pos], nonblank[pos - 1]
        line, caption = content[here], content[above]
        if not _is_credit(line, caption):
            continue
        drop.add(here)
        if pos == 1 or len(caption) > _MAX_CAPTION:
            continue
        repeated = len(line) > len(caption) and line.startswith(caption)
        if repeated or (above == here - 1 and not caption.endswith(_TERMINAL)):
            drop.add(above)
    return [(lines[i][0], lines[i][2]) for i in sorted(drop)]


# A credit left at the end of a caption's line: a source, a photographer and agency ("(Xinhua/Rahmin)",
# "(Matthew S. Griffith/U.S. Army)"), or the picture's own label, in brackets.
_INLINE_CREDIT = re.compile(
    r"[(\[](?:[^()\[\]\n]{1,60}/[^()\[\]\n]{1,60}|(?:"
    + "|".join(map(re.escape, sorted(_SOURCES, key=len, reverse=True)))
    + r"|(?:file )?(?:image|photo|picture)s?)(?:/[^()\[\]\n]{1,60})?)[)\]][ \t]*$",
    re.MULTILINE,
)
_SENTENCE_END = (".", "!", "?", '"', "”", "’", ")", "]")


def _line_above(text: str, start: int) -> tuple[int, str] | None:
    """The start and content of the line just above the one that starts at ``start``."""
    if start == 0:
        return None
    above = text.rfind("\n", 0, start - 1) + 1
    return above, text[above : start - 1]


def find_captions(text: str, credited: Sequence[_Span] = ()) -> tuple[_Span, ...]:
    """(start, end) of each photo caption in ``text``: the line a bracketed credit ends, or a line that stood just
    above a credit line the cleaning deleted (``credited``).

    A page wrapped at a fixed width goes on with a caption on the next line where a line breaks mid-sentence,
    so a caption reaches up while the line above ends without a sentence's end (dev 085, whose caption opens the
    text). A line that repeats a caption without its credit (the picture's text shown twice) is a caption too,
    unless it is the first line: a title a caption repeats stays the title.
    """
    lines: list[_Span] = []
    for match in _INLINE_CREDIT.finditer(text):
        lines.append((text.rfind("\n", 0, match.start()) + 1, match.end()))
    lines.extend(credited)
    spans: list[_Span] = []
    for line_start, end in sorted(set(lines)):
        start = line_start
        while (above := _line_above(text, start)) is not None:
            line = above[1].rstrip()
            if not line or line.endswith(_SENTENCE_END):
                break
            start = above[0]
        spans.append((start, end))
    for start, end in list(spans):
        words = _INLINE_CREDIT.sub("", text[start:end]).strip()
        for repeat in re.finditer(rf"^[ \t]*{re.escape(words)}[ \t]*$", text, re.MULTILINE) if words else ():
            if repeat.start() > 0 and (repeat.start(), repeat.end()) not in spans:
                spans.append(repeat.span())
    return tuple(sorted(spans))


def _find_duplicate_body(text: str) -> list[_Span]:
    """The largest block of non-blank lines immediately repeated, second copy only.

    A block counts when it has at least two lines or at least 30% of the text, measured on
    stripped lines so that blank-line tidying cannot change the verdict. Candidate periods come
    from pairs of equal lines, which keeps ordinary articles (mostly distinct lines) cheap.
    """
    lines = [(start, stop, text[start:end].strip()) for start, end, stop in _lines(text)]
    lines = [line for line in lines if line[2]]
    keys = [line[2] for line in lines]
    sizes = list(accumulate((len(key) for key in keys), initial=0))
    seen: dict[str, list[int]] = {}
    periods: set[int] = set()
    for index, key in enumerate(keys):
        earlier = seen.setdefault(key, [])
        periods.update(index - e for e in earlier[-64:] if 2 * (index - e) <= len(keys))
        earlier.append(index)
    best: tuple[int, int, int] | None = None  # (characters, period, first line of the block)
    for period in sorted(periods):
        run = 0
        for index in range(len(keys) - period):
            run = run + 1 if keys[index] == keys[index + period] else 0
            if run < period:
                continue
            first = index - period + 1
            chars = sizes[first + period] - sizes[first]
            if (period >= 2 or 10 * chars >= 3 * sizes[-1]) and (best is None or chars > best[0]):
                best = (chars, period, first)
    if best is None:
        return []
    _, period, first = best
    return [(lines[first + period][0], lines[first + 2 * period - 1][1])]


def _find_excess_whitespace(text: str) -> list[_Span]:
    """Leading and trailing whitespace, and whatever sits between the first and last break of a gap."""
    spans: list[_Span] = []
    for gap in _WHITESPACE.finditer(text):
        start, end = gap.span()
        if start == 0 or end == len(text):
            spans.append((start, end))
            continue
        breaks = list(_BREAK.finditer(text, start, end))
        if len(breaks) >= 2 and breaks[0].end() < breaks[-1].start():
            spans.append((breaks[0].end(), breaks[-1].start()))
    return spans


_RULES: tuple[tuple[str, Callable[[str], list[_Span]]], ...] = (
    ("template", _find_templates),
    ("app_promo", _find_app_promos),
    ("site_notice", _find_site_notices),
    ("date_line", _find_date_line),
    ("image_credit", _find_image_credits),
    ("duplicate_body", _find_duplicate_body),
)


class _Deletions:
    """The original with a keep-mask; spans found in the current view are deleted through it."""

    def __init__(self, original: str) -> None:
        self.original = original
        self.kept = [True] * len(original)
        self.removals: list[Removal] = []

    def view(self) -> tuple[str, list[int]]:
        return "".join(compress(self.original, self.kept)), list(compress(range(len(self.original)), self.kept))

    def delete(self, offsets: list[int], spans: list[_Span], kind: str | None) -> None:
        for start, end in spans:
            piece_start = offsets[start]
            for i in range(start, end):
                self.kept[offsets[i]] = False
                if kind is not None and (i + 1 == end or offsets[i + 1] != offsets[i] + 1):
                    self.removals.append(Removal(kind, piece_start, offsets[i] + 1))
                    if i + 1 < end:
                        piece_start = offsets[i + 1]

    def kept_line_above(self, offsets: Sequence[int], start: int) -> _Span | None:
        """Where, in the view ``offsets`` maps, the original line just above original position ``start`` lies;
        ``None`` when that line is blank or was deleted (in part or whole)."""
        if start == 0:
            return None
        line_start = self.original.rfind("\n", 0, start - 1) + 1
        line_end = start - 1
        if not self.original[line_start:line_end].strip() or not all(self.kept[line_start:line_end]):
            return None
        return bisect.bisect_left(offsets, line_start), bisect.bisect_left(offsets, line_end)

    def merged_removals(self) -> tuple[Removal, ...]:
        out: list[Removal] = []
        for removal in sorted(self.removals, key=lambda r: r.start):
            if out and out[-1].kind == removal.kind and out[-1].end == removal.start:
                out[-1] = Removal(removal.kind, out[-1].start, removal.end)
            else:
                out.append(removal)
        return tuple(out)


def clean_text(original: str) -> CleanedText:
    """Delete debris and tidy blank lines; pure, total, and idempotent on its own output."""
    deletions = _Deletions(original)
    date_line: datetime.date | None = None
    changed = True
    while changed:
        changed = False
        for kind, find in _RULES:
            text, offsets = deletions.view()
            spans = find(text)
            if not spans:
                continue
            if kind == "date_line" and date_line is None:
                marker = _date_marker(text)
                date_line = marker[1] if marker else None
            deletions.delete(offsets, spans, kind)
            changed = True
    text, offsets = deletions.view()
    deletions.delete(offsets, _find_excess_whitespace(text), None)
    text, offsets = deletions.view()
    offsets.append(offsets[-1] + 1 if offsets else 0)
    removals = deletions.merged_removals()
    credited = [deletions.kept_line_above(offsets, r.start) for r in removals if r.kind == "image_credit"]
    captions = find_captions(text, [line for line in credited if line is not None])
    return CleanedText(text, tuple(offsets), removals, date_line, captions)


# --- loading -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _MetaRecord:
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published: datetime.date | None = None
    split: str | None = None
    round: int = 1


def _read_article(path: Path) -> tuple[bytes, str]:
    if path.is_dir():
        raise ArticleError(f"{path}: is a directory, not an article file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ArticleError(f"{path}: no such article file") from None
    except OSError as error:
        raise ArticleError(f"{path}: cannot read the article ({error.strerror or error})") from error
    if not data:
        raise ArticleError(f"{path}: the article file is empty")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ArticleError(f"{path}: binary content, not text (NUL byte at offset {nul})")
    try:
        original = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ArticleError(
            f"{path}: not valid UTF-8 (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None
    if not original.strip():
        raise ArticleError(f"{path}: the article holds only whitespace")
    return data, original


def _load_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise MetadataError(f"{path}: malformed JSON ({error.msg}, line {error.lineno} column {error.colno})") from None
    except UnicodeDecodeError:
        raise MetadataError(f"{path}: not valid UTF-8") from None
    except OSError as error:
        raise MetadataError(f"{path}: cannot read ({error.strerror or error})") from error


def _parse_date(value: str | None, where: str) -> datetime.date | None:
    if value is None:
        return None
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            pass
    raise MetadataError(f"{where}: 'published' is not a YYYY-MM-DD date: {value!r}")


def _record(raw: object, where: str) -> _MetaRecord:
    if not isinstance(raw, dict):
        raise MetadataError(f"{where}: expected a JSON object")
    values: dict[str, str | None] = {}
    for key in ("title", "outlet", "url", "published", "split"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            raise MetadataError(f"{where}: {key!r} must be a string or null, not {type(value).__name__}")
        values[key] = value
    collected = raw.get("round", 1)
    if isinstance(collected, bool) or not isinstance(collected, int) or collected < 1:
        raise MetadataError(f"{where}: 'round' must be a whole number from 1, not {collected!r}")
    return _MetaRecord(
        values["title"],
        values["outlet"],
        values["url"],
        _parse_date(values["published"], where),
        values["split"],
        collected,
    )


@functools.lru_cache(maxsize=64)
def _read_manifest(manifest: Path, mtime_ns: int, size: int) -> Mapping[str, _MetaRecord]:
    """Parsed once per directory; ``mtime_ns`` and ``size`` are in the key so an edited file is re-read.

    The whole manifest is validated, not just the entry asked for: a corpus whose facts are partly
    broken should be fixed before anything is scored against it.
    """
    raw = _load_json(manifest)
    articles = raw.get("articles") if isinstance(raw, dict) else None
    if not isinstance(articles, list):
        raise MetadataError(f"{manifest}: expected a JSON object with an 'articles' list")
    declared = raw.get("splits") if isinstance(raw, dict) else None
    if declared is not None and not (isinstance(declared, dict) and all(isinstance(k, str) for k in declared)):
        raise MetadataError(f"{manifest}: 'splits' must map each split name to its description")
    entries: dict[str, _MetaRecord] = {}
    for number, item in enumerate(articles):
        name = item.get("file") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name:
            raise MetadataError(f"{manifest}: articles[{number}] has no 'file' name")
        if name in entries:
            raise MetadataError(f"{manifest}: {name!r} is listed twice")
        entries[name] = record = _record(item, f"{manifest} ({name})")
        if declared is not None and record.split is not None and record.split not in declared:
            raise MetadataError(
                f"{manifest} ({name}): split {record.split!r} is not one of the declared splits ({', '.join(declared)})"
            )
    return MappingProxyType(entries)


def corpus_splits(directory: Path) -> dict[str, str]:
    """The splits a corpus manifest declares (name -> description); empty when it declares none."""
    manifest = directory / MANIFEST_NAME
    if not manifest.is_file():
        return {}
    raw = _load_json(manifest)
    declared = raw.get("splits") if isinstance(raw, dict) else None
    return {str(k): str(v) for k, v in declared.items()} if isinstance(declared, dict) else {}


def _manifest_entry(path: Path) -> _MetaRecord | None:
    manifest = path.parent / MANIFEST_NAME
    try:
        info = manifest.stat()
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return _read_manifest(manifest, info.st_mtime_ns, info.st_size).get(path.name)


def _sidecar(path: Path) -> _MetaRecord | None:
    sidecar = path.with_name(path.stem + ".json")
    if sidecar == path or sidecar.name == MANIFEST_NAME or not sidecar.is_file():
        return None
    return _record(_load_json(sidecar), str(sidecar))


def _title_from_text(text: str) -> str | None:
    """A short first line without a final period reads as a headline; anything else is body text."""
    first = text.split("\n", 1)[0].strip()
    return first if first and len(first) < 200 and not first.endswith(".") else None


def _resolve_meta(path: Path, cleaned: CleanedText, published: datetime.date | None) -> ArticleMeta:
    sidecar, entry = _sidecar(path), _manifest_entry(path)
    layers = [record for record in (sidecar, entry) if record is not None]  # highest precedence first
    dates = (
        (published, "cli"),
        (sidecar.published if sidecar else None, "sidecar"),
        (entry.published if entry else None, "manifest"),
        (cleaned.date_line, "text"),
    )
    when, source = next(((day, where) for day, where in dates if day is not None), (None, None))
    return ArticleMeta(
        title=next((r.title for r in layers if r.title), None) or _title_from_text(cleaned.text),
        outlet=next((r.outlet for r in layers if r.outlet), None),
        url=next((r.url for r in layers if r.url), None),
        published=when,
        published_source=source,
        split=entry.split if entry else None,
        round=entry.round if entry else 1,
    )


def load_article(path: Path, *, published: datetime.date | None = None) -> Article:
    """Load, clean and describe one article; ``published`` (the CLI's ``--published``) beats every file."""
    data, original = _read_article(path)
    cleaned = clean_text(original)
    if not cleaned.text:
        kinds = ", ".join(sorted({removal.kind for removal in cleaned.removals}))
        raise ArticleError(f"{path}: nothing but debris ({kinds}) once cleaned")
    return Article(
        id=path.stem,
        path=path,
        original=original,
        sha256=hashlib.sha256(data).hexdigest(),
        cleaned=cleaned,
        meta=_resolve_meta(path, cleaned, published),
    )


def load_articles(paths: Sequence[Path], *, published: datetime.date | None = None) -> list[Article | InputError]:
    """A batch where one bad article (or its bad sidecar) becomes an error item in its place,
    reported by the caller, and the rest still load."""
    results: list[Article | InputError] = []
    for path in paths:
        try:
            results.append(load_article(path, published=published))
        except InputError as error:
            results.append(error)
    return results


def _txt_files(directory: Path) -> list[Path]:
    files = sorted((p for p in directory.glob("*.txt") if not p.is_dir()), key=lambda p: p.name)
    if not files:
        raise ArticleError(f"{directory}: the directory holds no *.txt articles")
    return files


def load_corpus(directory: Path) -> list[Article]:
    """Every ``*.txt`` in ``directory``, by name; the first bad article stops the load."""
    if not directory.is_dir():
        raise ArticleError(f"{directory}: no such corpus directory")
    return [load_article(path) for path in _txt_files(directory)]


def expand_paths(paths: Sequence[Path]) -> list[Path]:
    """Directories become their ``*.txt`` files (by name); anything else is left for the loader to judge."""
    expanded: list[Path] = []
    for path in paths:
        expanded.extend(_txt_files(path) if path.is_dir() else [path])
    return expanded


def parse_published(value: str | None, flag: str = "--published") -> datetime.date | None:
    """A ``--published`` value as a date (None when not given); a malformed one is one line."""
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise InputError(f"{flag} {value!r} is not a date (YYYY-MM-DD)") from exc


def load_batch(
    paths: Sequence[Path], *, published: datetime.date | None = None
) -> tuple[list[Article], list[InputError]]:
    """The articles of a batch (files or folders of them), and one error per file that could not be read."""
    loaded = load_articles(expand_paths(paths), published=published)
    return [a for a in loaded if isinstance(a, Article)], [e for e in loaded if isinstance(e, InputError)]
