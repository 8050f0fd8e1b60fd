"""What a decision table returns, given the rules that matched and their outputs.

Pure functions over plain values, so they are tested without a workflow. A
single hit is {output name: value}; several hits are {output name: [values]},
the shape SpiffWorkflow's COLLECT already merges into task data.
"""


class HitPolicyViolation(ValueError):
    """UNIQUE with several matches, or ANY whose matches disagree."""


def outcome(hit_policy, aggregation, matches, priorities):
    """matches: [(row number, {name: value})] in rule order; priorities: {name: [value, ...]}."""
    if hit_policy == "UNIQUE":
        if len(matches) > 1:
            rows = ", ".join(str(row) for row, _ in matches)
            raise HitPolicyViolation(f"hit policy UNIQUE: rules {rows} all match")
        return dict(matches[0][1]) if matches else {}
    if hit_policy == "FIRST":
        return dict(matches[0][1]) if matches else {}
    if hit_policy == "ANY":
        distinct = {repr(sorted(output.items(), key=lambda kv: kv[0])) for _, output in matches}
        if len(distinct) > 1:
            rows = ", ".join(str(row) for row, _ in matches)
            raise HitPolicyViolation(f"hit policy ANY: rules {rows} match with different outputs")
        return dict(matches[0][1]) if matches else {}
    if hit_policy == "PRIORITY":
        ordered = by_priority(matches, priorities)
        return dict(ordered[0][1]) if ordered else {}
    if hit_policy == "OUTPUT ORDER":
        return collected(by_priority(matches, priorities))
    if hit_policy == "RULE ORDER":
        return collected(matches)
    if hit_policy == "COLLECT":
        return aggregated(aggregation, matches) if aggregation else collected(matches)
    raise ValueError(f"unknown hit policy {hit_policy!r}")


def by_priority(matches, priorities):
    """Highest priority first: earlier in an output's outputValues wins, the first output deciding first."""
    def rank(match):
        _, output = match
        key = []
        for name, values in priorities.items():
            value = output.get(name)
            key.append(values.index(value) if value in values else len(values))
        return key
    return sorted(matches, key=rank)   # stable: equal priority keeps rule order


def collected(matches):
    result = {}
    for _, output in matches:
        for name, value in output.items():
            result.setdefault(name, []).append(value)
    return result


def aggregated(aggregation, matches):
    if aggregation == "COUNT":
        if not matches:
            return {}
        return {name: len(values) for name, values in collected(matches).items()}
    result = {}
    for name, values in collected(matches).items():
        present = [v for v in values if v is not None]
        if not present:
            result[name] = None
            continue
        if aggregation == "SUM":
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) or _is_decimal(v) for v in present):
                raise HitPolicyViolation(f"COLLECT SUM of '{name}': not all outputs are numbers: {present!r}")
            result[name] = sum(present)
        else:
            try:
                result[name] = min(present) if aggregation == "MIN" else max(present)
            except TypeError:
                raise HitPolicyViolation(f"COLLECT {aggregation} of '{name}': outputs do not compare: "
                                         f"{present!r}") from None
    return result


def _is_decimal(value):
    return type(value).__name__ == "Decimal"
