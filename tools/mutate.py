r"""Mutation testing for xorfast's compiled modules: change one token, run the tests, repeat.

General tools (mutmut 3 and its trampolines, say) do not fit Numba: a kernel
must stay plain compilable Python, and Numba's disk cache keys on the source
file. This script instead edits a *copy* of the project one mutation at a
time, with a private kernel cache per run, and runs the given pytest
arguments against the copy (stopping at the first failure). A mutant is
*killed* when the tests fail or time out, *survived* when they pass.

Mutations (from the tokens of the file, including the code in a string of
Python source such as ``sweep_kernel.DRIVER_SOURCE``): swapped operators
(``+ -``, ``* /``, ``< <=``, ``> >=``, ``== !=``, ``-= +=``, ``and or``,
``min max``, ``True False``), changed numbers (0 -> 1, 1 -> 0 and 2, n -> n + 1,
x.y -> 2 * x.y), and for each augmented assignment a doubled update and a
deleted statement. Mutants that do not compile are skipped.

Usage (from the project's root; nothing in the working tree is changed)::

    python tools/mutate.py xorfast/_compiled/sweep_kernel.py --functions _train_group \
        --budget 900 --out /tmp/mutants.jsonl -- tests/test_sweep_matches_train.py -k generic

``--list`` prints the mutants without running them; ``--functions``, ``--lines``
and ``--sample N`` choose among them; ``--cache DIR`` reuses a folder of
generated kernels (a warm one makes the unmutated baseline run fast). Each result is one JSON
line: line number, the line before and after, the outcome and the seconds.
This is a development tool; it is not part of the package.
"""

import argparse
import ast
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import tokenize
from pathlib import Path

SWAPS = {
    "+": "-",
    "-": "+",
    "*": "/",
    "/": "*",
    "//": "*",
    "<": "<=",
    "<=": "<",
    ">": ">=",
    ">=": ">",
    "==": "!=",
    "!=": "==",
    "-=": "+=",
    "+=": "-=",
    "*=": "/=",
    "and": "or",
    "or": "and",
    "min": "max",
    "max": "min",
    "True": "False",
    "False": "True",
}


def _number_mutations(text):
    if text in ("0", "0.0"):
        return ["1"]
    if text in ("1", "1.0"):
        return ["0", "2"]
    try:
        value = int(text, 0)
        return [str(value + 1)]
    except ValueError:
        return [f"(2 * {text})"]


def _token_mutations(source, line_offset=0):
    """(line, column, old, new) for every token mutation of ``source``."""
    found = []
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        line, column = token.start
        if token.type == tokenize.OP or (token.type == tokenize.NAME and token.string in SWAPS):
            if token.string in SWAPS:
                found.append((line + line_offset, column, token.string, SWAPS[token.string]))
        elif token.type == tokenize.NUMBER:
            for new in _number_mutations(token.string):
                found.append((line + line_offset, column, token.string, new))
        elif (
            token.type == tokenize.STRING
            and token.string.startswith("'''")
            and "def " in token.string
        ):
            # Python source held in a string (a kernel compiled elsewhere): mutate it too.
            body = token.string[3:-3]
            if body.startswith("\n"):
                found += _token_mutations(body[1:], line_offset + line)
    return found


def _docstring_lines(tree):
    """Line numbers inside docstrings (and so not code) in ``tree``."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def _function_lines(tree, names):
    """Line numbers of the functions called ``names`` (at any depth)."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name in names:
            lines.update(range(node.lineno, node.end_lineno + 1))
    return lines


def _inner_docstrings(source):
    """Docstring lines of code held in a string: lines whose first token is a string."""
    lines = set()
    inside = False
    for number, text in enumerate(source.splitlines(), 1):
        stripped = text.strip()
        if stripped.startswith('"""'):
            lines.add(number)
            inside = not (stripped.count('"""') >= 2) and not inside
            continue
        if inside:
            lines.add(number)
            if '"""' in stripped:
                inside = False
    return lines


def mutants(source, functions=None):
    """Every mutant of ``source``: dicts with line, before, after and the new source."""
    tree = ast.parse(source)
    skip = _docstring_lines(tree) | _inner_docstrings(source)
    keep = _function_lines(tree, functions) if functions else None
    if functions:  # code in strings belongs to the functions defined in it
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)
            ):
                inner = ast.parse(node.value.value) if "def " in node.value.value else None
                if inner is not None:
                    start = node.value.lineno
                    keep |= {start + n - 1 for n in _function_lines(inner, functions)}
    lines = source.splitlines(keepends=True)
    results = []

    def add(number, new_line):
        changed = lines[: number - 1] + [new_line] + lines[number:]
        text = "".join(changed)
        try:
            compile(text, "mutant", "exec")
        except SyntaxError:
            return
        results.append(
            dict(
                line=number,
                before=lines[number - 1].rstrip("\n"),
                after=new_line.rstrip("\n"),
                source=text,
            )
        )

    for number, column, old, new in _token_mutations(source):
        if number in skip or (keep is not None and number not in keep):
            continue
        line = lines[number - 1]
        if line[column : column + len(old)] != old:
            continue
        add(number, line[:column] + new + line[column + len(old) :])
    for number, line in enumerate(lines, 1):
        if number in skip or (keep is not None and number not in keep):
            continue
        code = line.split("#")[0].rstrip()
        for operator in (" -= ", " += "):
            if operator in code and code.count("=") == 1:
                target, value = code.split(operator)
                add(number, f"{target}{operator}2 * ({value.strip()})\n")
                add(number, f"{target[: len(target) - len(target.lstrip())]}pass\n")
    return results


def _run(copy, relative, mutant, pytest_args, timeout, cache):
    (copy / relative).write_text(mutant["source"])
    env = dict(os.environ, PYTHONPATH=str(copy), PYTHONDONTWRITEBYTECODE="1")
    if isinstance(cache, str):  # a shared folder of generated kernels
        env["XORFAST_CACHE_DIR"] = cache
    else:  # everything private to this run
        env.update(XORFAST_CACHE_DIR=str(cache / "xorfast"), NUMBA_CACHE_DIR=str(cache / "numba"))
    began = time.monotonic()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *pytest_args],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        status = {0: "survived", 1: "killed"}.get(done.returncode, f"error {done.returncode}")
        tail = done.stdout.strip().splitlines()[-1:] if done.stdout.strip() else []
    except subprocess.TimeoutExpired:
        status, tail = "killed (timeout)", []
    return status, time.monotonic() - began, tail


def main(argv=None):
    """Run the command line; see the module doc."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", help="file to mutate, relative to the project root")
    parser.add_argument("--functions", help="comma-separated: mutate only these functions")
    parser.add_argument("--lines", help="comma-separated line numbers: mutate only these")
    parser.add_argument("--budget", type=float, default=3600, help="seconds; no new mutant after")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per mutant")
    parser.add_argument("--sample", type=int, help="run only this many mutants, chosen at random")
    parser.add_argument(
        "--cache",
        help="reuse this XORFAST_CACHE_DIR (its generated kernels "
        "are keyed by a digest of their sources, so reuse is safe)",
    )
    parser.add_argument("--out", help="append JSON lines here")
    parser.add_argument("--list", action="store_true", help="print the mutants and stop")
    argv = sys.argv[1:] if argv is None else list(argv)
    split = argv.index("--") if "--" in argv else len(argv)
    args = parser.parse_args(argv[:split])
    args.pytest_args = argv[split + 1 :]  # what pytest runs, after --

    root = Path(__file__).resolve().parent.parent
    original = (root / args.module).read_text()
    found = mutants(original, args.functions.split(",") if args.functions else None)
    if args.lines:
        found = [m for m in found if m["line"] in {int(n) for n in args.lines.split(",")}]
    if args.sample and args.sample < len(found):
        found = random.Random(0).sample(found, args.sample)
        found.sort(key=lambda m: m["line"])
    if args.list:
        for mutant in found:
            print(f"{mutant['line']:4}: {mutant['after'].strip()}")
        print(f"{len(found)} mutants")
        return 0

    work = Path(tempfile.mkdtemp(prefix="xorfast-mutate-"))
    copy = work / "project"
    shutil.copytree(
        root,
        copy,
        ignore=shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".pytest_cache", "mutants"),
    )
    pristine = dict(line=0, before="", after="(unmutated)", source=original)
    status, seconds, tail = _run(
        copy, args.module, pristine, args.pytest_args, None, args.cache or work
    )
    print(f"baseline: {status} in {seconds:.0f}s {tail}", flush=True)
    if status != "survived":
        return 1
    began = time.monotonic()
    tally = {}
    out = open(args.out, "a") if args.out else None
    for index, mutant in enumerate(found, 1):
        if time.monotonic() - began > args.budget:
            print(f"budget spent: {len(found) - index + 1} mutants not run", flush=True)
            break
        status, seconds, tail = _run(
            copy, args.module, mutant, args.pytest_args, args.timeout, args.cache or work
        )
        tally[status.split()[0]] = tally.get(status.split()[0], 0) + 1
        print(
            f"[{index}/{len(found)}] {status:16} {seconds:5.0f}s  line {mutant['line']}: "
            f"{mutant['after'].strip()}",
            flush=True,
        )
        if out:
            out.write(
                json.dumps(
                    {
                        "module": args.module,
                        **{k: v for k, v in mutant.items() if k != "source"},
                        "status": status,
                        "seconds": round(seconds, 1),
                    }
                )
                + "\n"
            )
            out.flush()
    (copy / args.module).write_text(original)
    print(f"tally: {tally}", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
