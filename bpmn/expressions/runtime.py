"""FEEL and JUEL semantics that Python lacks, as plain functions.

Translated expressions call these as `feel.add(a, b)`, `juel.eq(a, b)`, ...
The sandbox child loads this file by path into an interpreter started with
`-I -S`, so it may import the standard library only, and it must stay safe to
hand to hostile code: no function here looks an attribute up by a name it was
given, except through the allowlists below.
"""
import datetime
import decimal
import math
import re
import types

Decimal = decimal.Decimal
NUMBER_TYPES = (int, float, Decimal)


def is_number(value):
    return isinstance(value, NUMBER_TYPES) and not isinstance(value, bool)


def _numbers(a, b):
    # Python refuses float + Decimal; a FEEL model mixing task data (float) with
    # decimal literals must still compute.
    if isinstance(a, Decimal) and isinstance(b, float):
        return a, Decimal(repr(b))
    if isinstance(b, Decimal) and isinstance(a, float):
        return Decimal(repr(a)), b
    return a, b


def _tidy(value):
    """2.0 -> 2: FEEL has one number type, so an integral result should print as one."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
    return value


# --------------------------------------------------------------------------
# FEEL values that Python has no type for

class YearsMonths:
    """A FEEL years-and-months duration (P1Y2M); days-and-time durations are timedeltas."""

    def __init__(self, months):
        self.months = int(months)

    @property
    def years(self):
        return int(self.months / 12)

    def __eq__(self, other):
        return isinstance(other, YearsMonths) and other.months == self.months

    def __lt__(self, other):
        if not isinstance(other, YearsMonths):
            return NotImplemented
        return self.months < other.months

    def __hash__(self):
        return hash(("ym", self.months))

    def __repr__(self):
        sign = "-" if self.months < 0 else ""
        years, months = divmod(abs(self.months), 12)
        return f"{sign}P{years}Y{months}M"


class Range:
    """A FEEL range such as [1..10] or (0..x]; an absent end is open (`< 5` is Range(None, 5))."""

    def __init__(self, start, end, start_included=True, end_included=True):
        self.start = start
        self.end = end
        self.start_included = start_included
        self.end_included = end_included

    def includes(self, value):
        if value is None:
            return None
        low = True if self.start is None else (ge(value, self.start) if self.start_included
                                               else gt(value, self.start))
        if low is not True:
            return low
        if self.end is None:
            return True
        return le(value, self.end) if self.end_included else lt(value, self.end)

    def __eq__(self, other):
        return isinstance(other, Range) and (self.start, self.end, self.start_included, self.end_included) == (
            other.start, other.end, other.start_included, other.end_included)

    def __hash__(self):
        return hash((self.start, self.end))

    def __repr__(self):
        return (("[" if self.start_included else "(") + f"{self.start!r}..{self.end!r}"
                + ("]" if self.end_included else ")"))


# --------------------------------------------------------------------------
# Comparison and logic (null-propagating, three-valued)

def _kind(value):
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if is_number(value):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime.datetime):
        return "date and time"
    if isinstance(value, datetime.date):
        return "date"
    if isinstance(value, datetime.time):
        return "time"
    if isinstance(value, datetime.timedelta):
        return "days and time duration"
    if isinstance(value, YearsMonths):
        return "years and months duration"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "context"
    if isinstance(value, Range):
        return "range"
    return type(value).__name__


def _comparable(a, b):
    ka, kb = _kind(a), _kind(b)
    if ka == kb:
        return True
    # A date compares with a date and time at midnight, as in the DMN TCK.
    return {ka, kb} == {"date", "date and time"}


def _align(a, b):
    if isinstance(a, datetime.datetime) and not isinstance(b, datetime.datetime) and isinstance(b, datetime.date):
        b = datetime.datetime(b.year, b.month, b.day, tzinfo=a.tzinfo)
    elif isinstance(b, datetime.datetime) and not isinstance(a, datetime.datetime) and isinstance(a, datetime.date):
        a = datetime.datetime(a.year, a.month, a.day, tzinfo=b.tzinfo)
    return _numbers(a, b)


def eq(a, b):
    if a is None or b is None:
        return a is None and b is None
    if not _comparable(a, b):
        return None
    a, b = _align(a, b)
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return False
        return and_(*[(lambda x=x, y=y: eq(x, y)) for x, y in zip(a, b)]) if a else True
    if isinstance(a, dict):
        if a.keys() != b.keys():
            return False
        return and_(*[(lambda k=k: eq(a[k], b[k])) for k in a]) if a else True
    try:
        return a == b
    except TypeError:   # naive against aware datetimes
        return None


def ne(a, b):
    return not_(eq(a, b))


def _order(a, b, test):
    if a is None or b is None or not _comparable(a, b) or _kind(a) in ("boolean", "list", "context", "range"):
        return None
    a, b = _align(a, b)
    try:
        return test(a, b)
    except TypeError:
        return None


def lt(a, b):
    return _order(a, b, lambda x, y: x < y)


def le(a, b):
    return _order(a, b, lambda x, y: x <= y)


def gt(a, b):
    return _order(a, b, lambda x, y: x > y)


def ge(a, b):
    return _order(a, b, lambda x, y: x >= y)


def _value(operand):
    return operand() if callable(operand) else operand


def and_(*operands):
    """FEEL `and`: false wins, then null; later operands are thunks so `false and x` never looks at x."""
    unknown = False
    for operand in operands:
        value = _value(operand)
        if value is False:
            return False
        if value is not True:
            unknown = True
    return None if unknown else True


def or_(*operands):
    unknown = False
    for operand in operands:
        value = _value(operand)
        if value is True:
            return True
        if value is not False:
            unknown = True
    return None if unknown else False


def not_(value):
    return (not value) if isinstance(value, bool) else None


def truth(value):
    """Whether a condition holds: only `true` does; false and null both do not."""
    return value is True


def between(value, low, high):
    return and_(ge(value, low), lambda: le(value, high))


# --------------------------------------------------------------------------
# Arithmetic

def _add_months(value, months):
    month0 = value.month - 1 + months
    year, month = value.year + month0 // 12, month0 % 12 + 1
    last = (datetime.date(year + month // 12, month % 12 + 1, 1) - datetime.timedelta(days=1)).day
    return value.replace(year=year, month=month, day=min(value.day, last))


def add(a, b):
    if a is None or b is None:
        return None
    if isinstance(a, str) and isinstance(b, str):
        return a + b
    if is_number(a) and is_number(b):
        a, b = _numbers(a, b)
        return a + b
    if isinstance(a, YearsMonths) and isinstance(b, YearsMonths):
        return YearsMonths(a.months + b.months)
    if isinstance(b, (datetime.date, datetime.time)) and isinstance(a, (datetime.timedelta, YearsMonths)):
        a, b = b, a
    if isinstance(a, datetime.timedelta) and isinstance(b, datetime.timedelta):
        return a + b
    if isinstance(a, datetime.date) and isinstance(b, datetime.timedelta):
        if not isinstance(a, datetime.datetime):
            return a + datetime.timedelta(days=b.days)
        return a + b
    if isinstance(a, datetime.date) and isinstance(b, YearsMonths):
        return _add_months(a, b.months)
    if isinstance(a, datetime.time) and isinstance(b, datetime.timedelta):
        moved = datetime.datetime.combine(datetime.date(2000, 1, 1), a) + b
        return moved.timetz()
    return None


def neg(a):
    if is_number(a) or isinstance(a, datetime.timedelta):
        return -a
    if isinstance(a, YearsMonths):
        return YearsMonths(-a.months)
    return None


def sub(a, b):
    if a is None or b is None:
        return None
    if is_number(a) and is_number(b):
        a, b = _numbers(a, b)
        return a - b
    if isinstance(a, datetime.date) and isinstance(b, datetime.date):
        a, b = _align(a, b)
        try:
            return a - b
        except TypeError:
            return None
    if isinstance(a, datetime.time) and isinstance(b, datetime.time):
        day = datetime.date(2000, 1, 1)
        try:
            return datetime.datetime.combine(day, a) - datetime.datetime.combine(day, b)
        except TypeError:
            return None
    if isinstance(b, (datetime.timedelta, YearsMonths)):
        return add(a, neg(b))
    return None


def mul(a, b):
    if a is None or b is None:
        return None
    if is_number(a) and is_number(b):
        a, b = _numbers(a, b)
        return a * b
    if is_number(b) and isinstance(a, (datetime.timedelta, YearsMonths)):
        a, b = b, a
    if is_number(a) and isinstance(b, datetime.timedelta):
        return b * float(a)
    if is_number(a) and isinstance(b, YearsMonths):
        return YearsMonths(int(b.months * a))
    return None


def div(a, b):
    if a is None or b is None:
        return None
    if is_number(a) and is_number(b):
        if b == 0:
            return None
        a, b = _numbers(a, b)
        if isinstance(a, int) and isinstance(b, int):
            return a // b if a % b == 0 else a / b
        return a / b
    if isinstance(a, datetime.timedelta) and is_number(b):
        return None if b == 0 else a / float(b)
    if isinstance(a, datetime.timedelta) and isinstance(b, datetime.timedelta):
        return None if not b else _tidy(a / b)
    if isinstance(a, YearsMonths) and isinstance(b, YearsMonths):
        return None if not b.months else _tidy(a.months / b.months)
    return None


def power(a, b):
    if not (is_number(a) and is_number(b)):
        return None
    a, b = _numbers(a, b)
    try:
        return a ** b
    except (OverflowError, ZeroDivisionError, decimal.InvalidOperation):
        return None


# --------------------------------------------------------------------------
# Paths, filters, lists

_TEMPORAL_PROPERTIES = {
    "date": ("year", "month", "day", "weekday"),
    "date and time": ("year", "month", "day", "weekday", "hour", "minute", "second", "time offset",
                      "timezone"),
    "time": ("hour", "minute", "second", "time offset", "timezone"),
    "days and time duration": ("days", "hours", "minutes", "seconds"),
    "years and months duration": ("years", "months"),
    "range": ("start", "end", "start included", "end included"),
}


def _temporal(value, name):
    if name == "weekday":
        return value.isoweekday()
    if name in ("time offset", "timezone"):
        offset = value.utcoffset()
        return offset if name == "time offset" else (value.tzname() if offset is not None else None)
    if isinstance(value, datetime.timedelta):
        seconds = abs(value).total_seconds()
        sign = -1 if value < datetime.timedelta(0) else 1
        parts = {"days": int(seconds // 86400), "hours": int(seconds % 86400 // 3600),
                 "minutes": int(seconds % 3600 // 60), "seconds": _tidy(seconds % 60)}
        return sign * parts[name]
    if isinstance(value, YearsMonths):
        return value.years if name == "years" else int(math.fmod(value.months, 12))
    if isinstance(value, Range):
        return {"start": value.start, "end": value.end, "start included": value.start_included,
                "end included": value.end_included}[name]
    return {"year": lambda v: v.year, "month": lambda v: v.month, "day": lambda v: v.day,
            "hour": lambda v: v.hour, "minute": lambda v: v.minute, "second": lambda v: v.second}[name](value)


def get(value, name):
    """`value.name`: a context entry, a temporal property, or, over a list, each element's."""
    if isinstance(value, dict):
        return value.get(name)
    if isinstance(value, (list, tuple)):
        return [get(item, name) for item in value]
    if name in _TEMPORAL_PROPERTIES.get(_kind(value), ()):
        return _temporal(value, name)
    return None


def lookup(scope, name, outer):
    """A name inside a filter: an entry of the current item first, else the variable outside."""
    if isinstance(scope, dict) and name in scope:
        return scope[name]
    return outer()


def _as_list(value):
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def index(items, position):
    items = _as_list(items)
    if items is None or not is_number(position) or position != int(position) or position == 0:
        return None
    position = int(position)
    if abs(position) > len(items):
        return None
    return items[position - 1] if position > 0 else items[position]


def filter(items, predicate):
    """`items[predicate]`; a number picks by 1-based position, as FEEL's l[1] does."""
    items = _as_list(items)
    if items is None:
        return None
    chosen = []
    for item in items:
        outcome = predicate(item)
        if is_number(outcome):
            return index(items, outcome)
        if outcome is True:
            chosen.append(item)
    return chosen


def iterate(items):
    """What `for`/`some`/`every` range over; a FEEL range of integers counts through."""
    if isinstance(items, Range) and isinstance(items.start, int) and isinstance(items.end, int):
        step = 1 if items.end >= items.start else -1
        return list(range(items.start, items.end + step, step))
    return _as_list(items) or []


def some(outcomes):
    return or_(*outcomes) if outcomes else False


def every(outcomes):
    return and_(*outcomes) if outcomes else True


def range_(start, end, start_included=True, end_included=True):
    return Range(start, end, start_included, end_included)


def matches(value, test):
    """Whether an input matches a unary test's value: inside a range, in a list, or equal."""
    if isinstance(test, Range):
        return test.includes(value)
    if isinstance(test, (list, tuple)) and not isinstance(value, (list, tuple)):
        return or_(*[(lambda t=t: matches(value, t)) for t in test]) if test else False
    return eq(value, test)


def in_(value, *tests):
    """`value in (t1, t2)`: any test matching; each test is a function of the value."""
    return or_(*[(lambda t=t: t(value)) for t in tests])


def instance_of(value, type_name):
    kind = _kind(value)
    if type_name == "Any":
        return value is not None
    if type_name in ("duration", "dayTimeDuration", "yearMonthDuration"):
        return kind.endswith("duration")
    aliases = {"dateTime": "date and time", "date and time": "date and time", "string": "string",
               "number": "number", "boolean": "boolean", "date": "date", "time": "time",
               "list": "list", "context": "context", "range": "range", "Null": "null",
               "days and time duration": "days and time duration",
               "years and months duration": "years and months duration"}
    return aliases.get(type_name) == kind


# --------------------------------------------------------------------------
# Temporal built-ins

_DURATION = re.compile(
    r"^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")
_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")


def duration(text):
    if not isinstance(text, str):
        return None
    found = _DURATION.match(text.strip())
    if not found or text.strip() in ("P", "-P") or text.strip().endswith("T"):
        return None
    sign, years, months, weeks, days, hours, minutes, seconds = found.groups()
    factor = -1 if sign else 1
    if years or months:
        if weeks or days or hours or minutes or seconds:
            return None   # FEEL keeps the two kinds of duration apart
        return YearsMonths(factor * (int(years or 0) * 12 + int(months or 0)))
    return factor * datetime.timedelta(weeks=int(weeks or 0), days=int(days or 0), hours=int(hours or 0),
                                       minutes=int(minutes or 0), seconds=float(seconds or 0))


def years_and_months_duration(start, end):
    if not (isinstance(start, datetime.date) and isinstance(end, datetime.date)):
        return None
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and (end.day, _clock(end)) < (start.day, _clock(start)):
        months -= 1
    elif months < 0 and (end.day, _clock(end)) > (start.day, _clock(start)):
        months += 1
    return YearsMonths(months)


def _clock(value):
    return value.time() if isinstance(value, datetime.datetime) else datetime.time()


def _zone(text):
    if text in ("Z", "z"):
        return datetime.timezone.utc
    hours, minutes = int(text[1:3]), int(text[-2:])
    offset = datetime.timedelta(hours=hours, minutes=minutes)
    return datetime.timezone(-offset if text[0] == "-" else offset)


def _parse_time(text):
    zone = None
    found = _OFFSET.search(text)
    if found:
        zone, text = _zone(found.group()), text[:found.start()]
    if "@" in text:
        return None   # named zones need zoneinfo files, which the sandbox cannot open
    try:
        value = datetime.time.fromisoformat(text)
    except ValueError:
        return None
    return value.replace(tzinfo=zone) if zone else value


def date(*args):
    if len(args) == 3:
        if not all(isinstance(a, int) and not isinstance(a, bool) for a in args):
            return None
        try:
            return datetime.date(*args)
        except ValueError:
            return None
    if len(args) != 1:
        return None
    value = args[0]
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{4,9}-\d\d-\d\d", value.strip()):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def time(*args):
    if len(args) in (3, 4):
        hour, minute, second = args[:3]
        offset = args[3] if len(args) == 4 else None
        try:
            zone = datetime.timezone(offset) if isinstance(offset, datetime.timedelta) else None
            whole = int(second)
            micro = int(round((second - whole) * 1_000_000))
            return datetime.time(int(hour), int(minute), whole, micro, tzinfo=zone)
        except (TypeError, ValueError):
            return None
    if len(args) != 1:
        return None
    value = args[0]
    if isinstance(value, datetime.datetime):
        return value.timetz()
    if isinstance(value, datetime.time):
        return value
    if isinstance(value, datetime.date):
        return datetime.time(0, 0, tzinfo=datetime.timezone.utc)
    if isinstance(value, str):
        return _parse_time(value.strip())
    return None


def date_and_time(*args):
    if len(args) == 2:
        day, clock = args
        if isinstance(day, datetime.date) and isinstance(clock, datetime.time):
            day = day.date() if isinstance(day, datetime.datetime) else day
            return datetime.datetime.combine(day, clock)
        return None
    if len(args) != 1:
        return None
    value = args[0]
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if "T" not in text:
        day = date(text)
        return None if day is None else datetime.datetime(day.year, day.month, day.day)
    day_text, time_text = text.split("T", 1)
    day, clock = date(day_text), _parse_time(time_text)
    if day is None or clock is None:
        return None
    return datetime.datetime.combine(day, clock)


def at(text):
    """A FEEL 1.3 temporal literal @"...": its form says which type it is."""
    if not isinstance(text, str):
        return None
    if text.lstrip("-").startswith("P"):
        return duration(text)
    if "T" in text:
        return date_and_time(text)
    if ":" in text:
        return time(text)
    return date(text)


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def today():
    return datetime.date.today()


def _day(value):
    return value if isinstance(value, datetime.date) else None


def day_of_week(value):
    value = _day(value)
    return None if value is None else ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                       "Sunday")[value.weekday()]


def day_of_year(value):
    value = _day(value)
    return None if value is None else value.timetuple().tm_yday


def week_of_year(value):
    value = _day(value)
    return None if value is None else value.isocalendar()[1]


def month_of_year(value):
    value = _day(value)
    return None if value is None else ("January", "February", "March", "April", "May", "June", "July",
                                       "August", "September", "October", "November", "December")[value.month - 1]


# --------------------------------------------------------------------------
# String built-ins

def _strings(*values):
    return all(isinstance(v, str) for v in values)


def string(value):
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        value = _tidy(value)
    if isinstance(value, datetime.timedelta):
        return _duration_text(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(string(v) if v is not None else "null" for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {string(v) if v is not None else 'null'}" for k, v in value.items()) + "}"
    return str(value)


def _duration_text(value):
    seconds = abs(value).total_seconds()
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    clock = "".join(f"{int(n)}{u}" for n, u in ((hours, "H"), (minutes, "M")) if n)
    if secs:
        clock += f"{_tidy(secs)}S"
    text = ("-" if value < datetime.timedelta(0) else "") + "P" + (f"{int(days)}D" if days else "")
    return text + ("T" + clock if clock else ("" if days else "T0S"))


def number(value, grouping=None, decimal_separator=None):
    if not isinstance(value, str):
        return None
    text = value.strip()
    if grouping:
        text = text.replace(grouping, "")
    if decimal_separator:
        text = text.replace(decimal_separator, ".")
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", text):
        return None
    return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)


def string_length(value):
    return len(value) if isinstance(value, str) else None


def upper_case(value):
    return value.upper() if isinstance(value, str) else None


def lower_case(value):
    return value.lower() if isinstance(value, str) else None


def substring(value, start, length=None):
    if not isinstance(value, str) or not is_number(start) or start == 0:
        return None
    start = int(start)
    begin = start - 1 if start > 0 else len(value) + start
    begin = max(begin, 0)
    if length is None:
        return value[begin:]
    if not is_number(length) or length < 0:
        return None
    return value[begin:begin + int(length)]


def substring_before(value, match):
    if not _strings(value, match):
        return None
    position = value.find(match)
    return "" if position < 0 else value[:position]


def substring_after(value, match):
    if not _strings(value, match):
        return None
    position = value.find(match)
    return "" if position < 0 else value[position + len(match):]


def contains(value, match):
    return (match in value) if _strings(value, match) else None


def starts_with(value, match):
    return value.startswith(match) if _strings(value, match) else None


def ends_with(value, match):
    return value.endswith(match) if _strings(value, match) else None


_FLAGS = {"i": re.IGNORECASE, "s": re.DOTALL, "m": re.MULTILINE, "x": re.VERBOSE}


def _regex(pattern, flags):
    value = 0
    for flag in flags or "":
        value |= _FLAGS.get(flag, 0)
    try:
        return re.compile(pattern, value)
    except re.error:
        return None


def matches_pattern(value, pattern, flags=None):
    if not _strings(value, pattern):
        return None
    compiled = _regex(pattern, flags)
    return None if compiled is None else compiled.search(value) is not None


def replace(value, pattern, replacement, flags=None):
    if not _strings(value, pattern, replacement):
        return None
    compiled = _regex(pattern, flags)
    # XPath writes group references as $1; Python as \1.
    python_replacement = re.sub(r"\$(\d+)", r"\\\1", replacement)
    return None if compiled is None else compiled.sub(python_replacement, value)


def split(value, delimiter):
    if not _strings(value, delimiter):
        return None
    compiled = _regex(delimiter, None)
    return None if compiled is None else compiled.split(value)


def string_join(items, delimiter="", prefix="", suffix=""):
    items = _as_list(items)
    if items is None or not all(isinstance(i, str) or i is None for i in items):
        return None
    return (prefix or "") + (delimiter or "").join(i for i in items if i is not None) + (suffix or "")


def trim(value):
    return value.strip() if isinstance(value, str) else None


# --------------------------------------------------------------------------
# List and number built-ins

def _list_args(args):
    if len(args) == 1 and isinstance(args[0], (list, tuple)):
        return list(args[0])
    return list(args)


def count(*args):
    return len(_list_args(args))


def _numbers_only(args):
    values = _list_args(args)
    return values if values and all(is_number(v) for v in values) else None


def _ordered(args):
    values = _list_args(args)
    if not values or any(v is None for v in values):
        return None
    if len({_kind(v) for v in values}) != 1:
        return None
    try:
        return sorted(values)
    except TypeError:
        return None


def min_(*args):
    values = _ordered(args)
    return None if values is None else values[0]


def max_(*args):
    values = _ordered(args)
    return None if values is None else values[-1]


def sum_(*args):
    values = _list_args(args)
    if not values:
        return 0
    values = _numbers_only(values)
    if values is None:
        return None
    total = values[0]
    for value in values[1:]:
        total = add(total, value)
    return total


def mean(*args):
    values = _numbers_only(args)
    return None if values is None else div(sum_(values), len(values))


def median(*args):
    values = _numbers_only(args)
    if values is None:
        return None
    values = sorted(values)
    middle = len(values) // 2
    return values[middle] if len(values) % 2 else div(add(values[middle - 1], values[middle]), 2)


def product(*args):
    values = _numbers_only(args)
    if values is None:
        return None
    total = values[0]
    for value in values[1:]:
        total = mul(total, value)
    return total


def all_(*args):
    values = _list_args(args)
    return and_(*values) if values else True


def any_(*args):
    values = _list_args(args)
    return or_(*values) if values else False


def list_contains(items, value):
    items = _as_list(items)
    return None if items is None else any(eq(item, value) is True for item in items)


def append(items, *values):
    items = _as_list(items)
    return None if items is None else items + list(values)


def concatenate(*lists):
    result = []
    for items in lists:
        items = _as_list(items)
        if items is None:
            return None
        result.extend(items)
    return result


def sublist(items, start, length=None):
    items = _as_list(items)
    if items is None or not is_number(start) or start == 0:
        return None
    begin = int(start) - 1 if start > 0 else len(items) + int(start)
    return items[begin:] if length is None else items[begin:begin + int(length)]


def insert_before(items, position, value):
    items = _as_list(items)
    if items is None or not is_number(position) or position == 0:
        return None
    at_ = int(position) - 1 if position > 0 else len(items) + int(position)
    return items[:at_] + [value] + items[at_:]


def remove(items, position):
    items = _as_list(items)
    if items is None or not is_number(position) or position == 0:
        return None
    at_ = int(position) - 1 if position > 0 else len(items) + int(position)
    return items[:at_] + items[at_ + 1:]


def reverse(items):
    items = _as_list(items)
    return None if items is None else items[::-1]


def index_of(items, value):
    items = _as_list(items)
    return None if items is None else [i + 1 for i, item in enumerate(items) if eq(item, value) is True]


def distinct_values(items):
    items = _as_list(items)
    if items is None:
        return None
    result = []
    for item in items:
        if not any(eq(item, seen) is True for seen in result):
            result.append(item)
    return result


def union(*lists):
    joined = concatenate(*lists)
    return None if joined is None else distinct_values(joined)


def flatten(items):
    items = _as_list(items)
    if items is None:
        return None
    result = []
    for item in items:
        result.extend(flatten(item) if isinstance(item, (list, tuple)) else [item])
    return result


def sort(items):
    values = _as_list(items)
    if values is None:
        return None
    return _ordered(values) if values else []


def decimal_(value, scale):
    if not (is_number(value) and is_number(scale)):
        return None
    quantum = Decimal(1).scaleb(-int(scale))
    result = Decimal(repr(value) if isinstance(value, float) else value).quantize(quantum, decimal.ROUND_HALF_EVEN)
    return _tidy(float(result)) if not isinstance(value, Decimal) else result


def _round(value, scale, mode):
    if not is_number(value):
        return None
    scale = 0 if scale is None else scale
    if not is_number(scale):
        return None
    quantum = Decimal(1).scaleb(-int(scale))
    result = Decimal(repr(value) if isinstance(value, float) else value).quantize(quantum, mode)
    return result if isinstance(value, Decimal) else _tidy(float(result))


def floor(value, scale=None):
    return _round(value, scale, decimal.ROUND_FLOOR)


def ceiling(value, scale=None):
    return _round(value, scale, decimal.ROUND_CEILING)


def round_up(value, scale=None):
    return _round(value, scale, decimal.ROUND_UP)


def round_down(value, scale=None):
    return _round(value, scale, decimal.ROUND_DOWN)


def round_half_up(value, scale=None):
    return _round(value, scale, decimal.ROUND_HALF_UP)


def round_half_down(value, scale=None):
    return _round(value, scale, decimal.ROUND_HALF_DOWN)


def abs_(value):
    if is_number(value) or isinstance(value, datetime.timedelta):
        return abs(value)
    if isinstance(value, YearsMonths):
        return YearsMonths(abs(value.months))
    return None


def modulo(dividend, divisor):
    if not (is_number(dividend) and is_number(divisor)) or divisor == 0:
        return None
    dividend, divisor = _numbers(dividend, divisor)
    return dividend - divisor * math.floor(dividend / divisor)


def sqrt(value):
    return math.sqrt(value) if is_number(value) and value >= 0 else None


def log(value):
    return math.log(value) if is_number(value) and value > 0 else None


def exp(value):
    try:
        return math.exp(value) if is_number(value) else None
    except OverflowError:
        return None


def odd(value):
    return value % 2 == 1 if is_number(value) and value == int(value) else None


def even(value):
    return value % 2 == 0 if is_number(value) and value == int(value) else None


def get_value(context, key):
    return context.get(key) if isinstance(context, dict) else None


def get_entries(context):
    return [{"key": k, "value": v} for k, v in context.items()] if isinstance(context, dict) else None


def get_or_else(value, default):
    return default if value is None else value


def is_empty(items):
    items = _as_list(items)
    return None if items is None else not items


# --------------------------------------------------------------------------
# JUEL (Unified EL) coercions

class ELError(Exception):
    """An EL evaluation error, e.g. a string that cannot be coerced to a number."""


def el_number(value):
    if value is None or value == "":
        return 0
    if is_number(value):
        return value
    if isinstance(value, str):
        parsed = number(value)
        if parsed is not None:
            return parsed
    raise ELError(f"cannot coerce {value!r} to a number")


def el_bool(value):
    if value is None or value == "":
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        return value.lower() == "true"
    raise ELError(f"cannot coerce {value!r} to a boolean")


def el_eq(a, b):
    if a is b or a == b and type(a) is type(b):
        return True
    if a is None or b is None:
        return False
    if is_number(a) or is_number(b):
        try:
            return el_number(a) == el_number(b)
        except ELError:
            return False
    if isinstance(a, bool) or isinstance(b, bool):
        return el_bool(a) == el_bool(b)
    return a == b


def el_ne(a, b):
    return not el_eq(a, b)


def _el_order(a, b, test):
    if a is None or b is None:
        return False
    if is_number(a) or is_number(b):
        return test(el_number(a), el_number(b))
    if isinstance(a, str) and isinstance(b, str):
        return test(a, b)
    try:
        return test(*_align(a, b))
    except TypeError:
        raise ELError(f"cannot compare {a!r} with {b!r}") from None


def el_lt(a, b):
    return _el_order(a, b, lambda x, y: x < y)


def el_le(a, b):
    return _el_order(a, b, lambda x, y: x <= y)


def el_gt(a, b):
    return _el_order(a, b, lambda x, y: x > y)


def el_ge(a, b):
    return _el_order(a, b, lambda x, y: x >= y)


def el_add(a, b):
    return add(*_numbers(el_number(a), el_number(b)))


def el_sub(a, b):
    return sub(*_numbers(el_number(a), el_number(b)))


def el_mul(a, b):
    return mul(*_numbers(el_number(a), el_number(b)))


def el_div(a, b):
    a, b = _numbers(el_number(a), el_number(b))
    if b == 0:
        raise ELError("division by zero")
    return _tidy(a / b) if not isinstance(a, Decimal) else a / b


def el_mod(a, b):
    a, b = el_number(a), el_number(b)
    if b == 0:
        raise ELError("division by zero")
    return math.fmod(a, b) if isinstance(a, float) or isinstance(b, float) else int(math.fmod(a, b))


def el_neg(a):
    return -el_number(a)


def el_not(a):
    return not el_bool(a)


def el_empty(value):
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, dict, set)):
        return not value
    return False


def el_prop(value, name):
    """`a.b` / `a[b]` over plain data; a property of null is null, as in EL."""
    if value is None:
        return None
    if isinstance(value, dict):
        return value.get(name)
    if isinstance(value, (list, tuple)):
        try:
            position = int(el_number(name))
        except (ELError, TypeError, ValueError):
            raise ELError(f"cannot index a list with {name!r}") from None
        return value[position] if 0 <= position < len(value) else None
    raise ELError(f"property {name!r} not found on a {type(value).__name__}")


def el_concat(*parts):
    """Text with embedded ${...}: each part coerced to a string as EL does."""
    return "".join("" if p is None else string(p) for p in parts)


def el_cond(test):
    return el_bool(test)


# --------------------------------------------------------------------------

_FEEL = {
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "and_": and_, "or_": or_, "not_": not_,
    "truth": truth, "between": between, "add": add, "sub": sub, "mul": mul, "div": div, "power": power,
    "neg": neg, "get": get, "lookup": lookup, "filter": filter, "index": index, "iterate": iterate,
    "some": some, "every": every, "range": range_, "matches": matches, "in_": in_,
    "instance_of": instance_of, "at": at,
    # built-in functions
    "date": date, "time": time, "date_and_time": date_and_time, "duration": duration,
    "years_and_months_duration": years_and_months_duration, "now": now, "today": today,
    "day_of_week": day_of_week, "day_of_year": day_of_year, "week_of_year": week_of_year,
    "month_of_year": month_of_year, "string": string, "number": number, "string_length": string_length,
    "upper_case": upper_case, "lower_case": lower_case, "substring": substring,
    "substring_before": substring_before, "substring_after": substring_after, "contains": contains,
    "starts_with": starts_with, "ends_with": ends_with, "matches_pattern": matches_pattern,
    "replace": replace, "split": split, "string_join": string_join, "trim": trim, "count": count,
    "min": min_, "max": max_, "sum": sum_, "mean": mean, "median": median, "product": product,
    "all": all_, "any": any_, "list_contains": list_contains, "append": append,
    "concatenate": concatenate, "sublist": sublist, "insert_before": insert_before, "remove": remove,
    "reverse": reverse, "index_of": index_of, "distinct_values": distinct_values, "union": union,
    "flatten": flatten, "sort": sort, "decimal": decimal_, "floor": floor, "ceiling": ceiling,
    "round_up": round_up, "round_down": round_down, "round_half_up": round_half_up,
    "round_half_down": round_half_down, "abs": abs_, "modulo": modulo, "sqrt": sqrt, "log": log,
    "exp": exp, "odd": odd, "even": even, "get_value": get_value, "get_entries": get_entries,
    "get_or_else": get_or_else, "is_empty": is_empty,
}

_JUEL = {
    "eq": el_eq, "ne": el_ne, "lt": el_lt, "le": el_le, "gt": el_gt, "ge": el_ge, "add": el_add,
    "sub": el_sub, "mul": el_mul, "div": el_div, "mod": el_mod, "neg": el_neg, "not_": el_not,
    "empty": el_empty, "prop": el_prop, "concat": el_concat, "cond": el_cond,
}

FEEL_FUNCTIONS = frozenset(_FEEL)
JUEL_FUNCTIONS = frozenset(_JUEL)


def namespaces():
    """The objects the sandbox puts among its builtins; namespaces, not this module, so imports stay hidden."""
    return {"feel": types.SimpleNamespace(**_FEEL), "juel": types.SimpleNamespace(**_JUEL)}
