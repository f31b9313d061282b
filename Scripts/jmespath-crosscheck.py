#!/usr/bin/env python3
"""Cross-checks Keel's JMESPath evaluator against the reference implementation.

Generates a few hundred random but syntactically valid expressions over random documents
(seeded, so every run is the same), evaluates them with the PyPI `jmespath` package and with
Keel (through the gated `crossCheckFileFromScript` test), and compares results and error kinds.

Usage (from the repository root, after `swift build --build-tests`):
    python3 Scripts/jmespath-crosscheck.py [--cases N] [--seed S]

Exits nonzero on any mismatch. Creates `.venv/` with jmespath==1.0.1 on first use.

Known, deliberate differences are avoided rather than hidden:
  * JSON objects have no order in Keel (members iterate in key order), so the reference side
    uses dicts that iterate in key order too; documents and `merge` use them.
  * Python's `True == 1` leaks into nested equality and `contains`, so generated numbers avoid
    0 and 1.
  * jmespath 1.0.1 also orders strings with < <= > >=, which the specification (and Keel)
    leave undefined (null); the reference is held to the specification for that one rule.
  * Cases where the reference raises a plain Python error (not a JMESPath error, e.g. `max_by`
    over mixed strings and numbers) are skipped and counted.
"""
import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = os.path.join(ROOT, ".venv")
VENV_PYTHON = os.path.join(VENV, "bin", "python")


def ensure_reference():
    """Re-runs this script inside .venv, creating it with jmespath==1.0.1 when missing."""
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(VENV_PYTHON):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    check = subprocess.run([VENV_PYTHON, "-c", "import jmespath; assert jmespath.__version__ == '1.0.1'"], capture_output=True)
    if check.returncode != 0:
        subprocess.run([VENV_PYTHON, "-m", "pip", "install", "--quiet", "jmespath==1.0.1"], check=True)
    os.execv(VENV_PYTHON, [VENV_PYTHON] + sys.argv)


# ---------------------------------------------------------------- generation

KEYS = ["a", "b", "c", "d"]
NUMBERS = [-3, -2, 2, 3, 4, 7, 2.5, -1.5, 3.0]
STRINGS = ["", "a", "b", "ab", "ba", "abc", "3", "2.5"]
FUNCTIONS = {
    "abs": ["number"], "avg": ["numbers"], "ceil": ["number"], "floor": ["number"], "contains": ["array", "any"],
    "ends_with": ["string", "string"], "starts_with": ["string", "string"], "join": ["string", "strings"],
    "keys": ["object"], "values": ["object"], "length": ["any"], "map": ["expref", "array"], "max": ["numbers"],
    "min": ["strings"], "max_by": ["array", "expref"], "min_by": ["array", "expref"], "sort_by": ["array", "expref"],
    "merge": ["object", "object"], "not_null": ["any", "any", "any"], "reverse": ["any"], "sort": ["numbers"],
    "sum": ["numbers"], "to_array": ["any"], "to_string": ["scalar"], "to_number": ["any"], "type": ["any"],
}


def gen_value(r, depth):
    roll = r.random()
    if depth >= 3 or roll < 0.5:
        return r.choice([None, True, False] + NUMBERS + STRINGS)
    if roll < 0.75:
        return [gen_value(r, depth + 1) for _ in range(r.randint(0, 4))]
    return {k: gen_value(r, depth + 1) for k in sorted(r.sample(KEYS, r.randint(0, 4)))}


def gen_document(r):
    return {k: gen_value(r, 1) for k in KEYS if r.random() < 0.85}


def literal(r):
    value = gen_value(r, 2)
    return "`" + json.dumps(value, sort_keys=True).replace("`", "\\`") + "`"


def primary(r, d):
    roll = r.random()
    if d <= 0 or roll < 0.5:
        return r.choice(KEYS + KEYS + ['"' + r.choice(KEYS) + '"', "@", literal(r), "'" + r.choice(STRINGS) + "'"])
    if roll < 0.45:
        return "(" + expr(r, d - 1) + ")"
    if roll < 0.55:
        return "[" + ", ".join(expr(r, d - 1) for _ in range(r.randint(1, 3))) + "]"
    if roll < 0.62:
        keys = sorted(r.sample(KEYS, r.randint(1, 3)))
        return "{" + ", ".join(f"{k}: {expr(r, d - 1)}" for k in keys) + "}"
    if roll < 0.85:
        return call(r, d - 1)
    return r.choice(["*", "[*]", "[]"])


def typed(r, kind, d):
    if kind == "expref":
        return "&" + expr(r, d)
    if r.random() < 0.5:
        return expr(r, d)
    samples = {
        "number": r.choice(NUMBERS), "numbers": r.sample(NUMBERS, r.randint(0, 4)), "string": r.choice(STRINGS),
        "strings": r.sample(STRINGS, r.randint(0, 4)), "array": [gen_value(r, 2) for _ in range(r.randint(0, 3))],
        "object": gen_value(r, 1) if r.random() < 0.2 else {k: gen_value(r, 2) for k in sorted(r.sample(KEYS, 2))},
        "scalar": r.choice(NUMBERS + STRINGS + [None, True]), "any": gen_value(r, 1),
    }
    return "`" + json.dumps(samples[kind], sort_keys=True) + "`"


def call(r, d):
    name = r.choice(sorted(FUNCTIONS))
    return name + "(" + ", ".join(typed(r, kind, d) for kind in FUNCTIONS[name]) + ")"


def suffix(r, d):
    roll = r.random()
    if roll < 0.25:
        return "." + r.choice(KEYS)
    if roll < 0.35:
        return r.choice([".*", "[*]", "[]"])
    if roll < 0.5:
        return "[" + str(r.randint(-3, 3)) + "]"
    if roll < 0.6:
        parts = [r.choice(["", str(r.randint(-4, 4))]), r.choice(["", str(r.randint(-4, 4))])]
        step = r.choice(["", ":" + r.choice(["-2", "-1", "1", "2"])])
        return "[" + ":".join(parts) + step + "]"
    if roll < 0.75:
        return "[?" + expr(r, d) + "]"
    if roll < 0.85:
        return ".[" + ", ".join(expr(r, d) for _ in range(r.randint(1, 2))) + "]"
    if roll < 0.92:
        return ".{" + ", ".join(f"{k}: {expr(r, d)}" for k in sorted(r.sample(KEYS, r.randint(1, 2)))) + "}"
    return "." + call(r, d)


def chain(r, d):
    text = primary(r, d)
    for _ in range(r.randint(0, 2)):
        text += suffix(r, d - 1)
    return text


def expr(r, d):
    roll = r.random()
    if d <= 0 or roll < 0.6:
        return chain(r, d)
    if roll < 0.7:
        return "!" + chain(r, d - 1)
    op = r.choice(["||", "&&", "==", "!=", "<", "<=", ">", ">=", "|"])
    return expr(r, d - 1) + " " + op + " " + expr(r, d - 1)


# ---------------------------------------------------------------- reference evaluation

def reference_evaluator():
    import jmespath
    from jmespath import exceptions, functions, visitor

    # The specification orders numbers only; 1.0.1 added strings back as an extension.
    visitor._is_comparable = visitor._is_actual_number

    class KeyOrderDict(dict):
        """A dict that iterates in key order, as Keel's objects do."""

        def __iter__(self):
            return iter(sorted(dict.keys(self)))

        def keys(self):
            return sorted(dict.keys(self))

        def values(self):
            return [self[k] for k in self.keys()]

        def items(self):
            return [(k, self[k]) for k in self.keys()]

    class KeyOrderFunctions(functions.Functions):
        @functions.signature({"types": ["object"], "variadic": True})
        def _func_merge(self, *arguments):
            merged = KeyOrderDict()
            for argument in arguments:
                merged.update(argument)
            return merged

    # The reference type-checks by Python class name; register the subclass as an object.
    functions.TYPES_MAP["KeyOrderDict"] = "object"
    functions.REVERSE_TYPES_MAP["object"] = tuple(functions.REVERSE_TYPES_MAP["object"]) + ("KeyOrderDict",)
    options = jmespath.Options(dict_cls=KeyOrderDict, custom_functions=KeyOrderFunctions())

    def to_key_order(value):
        if isinstance(value, dict):
            return KeyOrderDict((k, to_key_order(v)) for k, v in value.items())
        if isinstance(value, list):
            return [to_key_order(v) for v in value]
        return value

    def evaluate(expression, document):
        try:
            return {"result": jmespath.search(expression, to_key_order(document), options=options)}
        except exceptions.ArityError:
            return {"error": "invalid-arity"}
        except exceptions.ParseError:
            return {"error": "syntax"}
        except exceptions.JMESPathTypeError:
            return {"error": "invalid-type"}
        except exceptions.UnknownFunctionError:
            return {"error": "unknown-function"}
        except Exception as error:  # a Python error, not a JMESPath one: not comparable
            return {"skip": f"{type(error).__name__}: {error}"}

    return evaluate


def same(left, right):
    """JSON equality: numbers by value, booleans distinct from numbers, lists in order."""
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    if isinstance(left, (int, float)) and isinstance(right, (int, float)):
        return left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right))
    if isinstance(left, dict) and isinstance(right, dict):
        return set(dict.keys(left)) == set(dict.keys(right)) and all(same(left[k], right[k]) for k in left)
    return type(left) is type(right) and left == right


# ---------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()

    r = random.Random(args.seed)
    cases = []
    while len(cases) < args.cases:
        document = gen_document(r)
        for _ in range(2):
            cases.append({"expression": expr(r, 2), "document": document})

    evaluate = reference_evaluator()
    expected = [evaluate(c["expression"], c["document"]) for c in cases]

    with tempfile.TemporaryDirectory() as scratch:
        cases_path = os.path.join(scratch, "cases.json")
        results_path = os.path.join(scratch, "results.json")
        with open(cases_path, "w") as f:
            json.dump(cases, f)
        env = dict(os.environ, KEEL_JMESPATH_CASES=cases_path, KEEL_JMESPATH_RESULTS=results_path)
        run = subprocess.run(
            ["swift", "test", "--skip-build", "--filter", "crossCheckFileFromScript"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if run.returncode != 0 or not os.path.exists(results_path):
            print(run.stdout[-4000:], run.stderr[-4000:], sep="\n")
            print("jmespath cross-check: the Swift side did not produce results (build the tests first)")
            return 2
        with open(results_path) as f:
            actual = json.load(f)

    mismatches, skipped = [], 0
    for case, want, got in zip(cases, expected, actual):
        if "skip" in want:
            skipped += 1
            continue
        if "error" in want or "error" in got:
            ok = want.get("error") == got.get("error")
        else:
            ok = same(want["result"], got["result"])
        if not ok:
            mismatches.append((case, want, got))
    compared = len(cases) - skipped
    for case, want, got in mismatches[:10]:
        print(f"MISMATCH {case['expression']!r}\n  document:  {json.dumps(case['document'])}\n  jmespath:  {json.dumps(want)}\n  keel:      {json.dumps(got)}")
    counts = {}
    for want in expected:
        kind = "skipped" if "skip" in want else ("error " + want["error"] if "error" in want else "result")
        if kind == "result" and want["result"] is None:
            kind = "null result"
        counts[kind] = counts.get(kind, 0) + 1
    print("outcomes:", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"jmespath cross-check: {compared} cases, {len(mismatches)} mismatches")
    return 1 if mismatches else 0


if __name__ == "__main__":
    ensure_reference()
    sys.exit(main())
