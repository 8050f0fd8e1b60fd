"""Plain BPMN 2.0 (Signavio, bpmn.io, Bizagi, Trisotech...): only what the standard itself says.

People come from humanPerformer / potentialOwner resource expressions ("jane", "user(jane)",
"group(sales)"); everything else a plain model needs (conditions, ISO 8601 timers, messages by
name) is read by the parser.
"""
import re

from .values import BPMN_NS, local, text_of

NAME = "plain"
_CALL = re.compile(r"^\s*(user|group)\s*\(\s*([^)]*?)\s*\)\s*$", re.I)


def describe(node, out, findings):
    for role in node:
        kind = local(role)
        if kind not in ("humanPerformer", "potentialOwner", "performer"):
            continue
        expressions = [text_of(e) for e in role.iter(f"{{{BPMN_NS}}}formalExpression") if text_of(e)]
        for expression in expressions:
            for part in expression.split(","):
                match = _CALL.match(part)
                who, name = (match.group(1).lower(), match.group(2)) if match else ("user", part.strip())
                if not name:
                    continue
                if kind == "humanPerformer" and who == "user" and not out.get("assignee"):
                    out["assignee"] = name
                else:
                    key = "candidate_groups" if who == "group" else "candidate_users"
                    if name not in out.setdefault(key, []):
                        out[key].append(name)
