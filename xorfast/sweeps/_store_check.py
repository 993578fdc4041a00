"""Checking a sweep store as it is read: block digests, value ranges, duplicate and missing rows.

A block's digest is the SHA-256 of its rows in seed order as a little-endian
structured array (:data:`CANONICAL`), NULL read as NaN. The writer computes it
from the values it inserts; the reader recomputes it from the values SQLite
gives back, so any change to a stored value, a row lost, added or moved to
another block, or a block entry changed, shows as a mismatch. Range checks
(config and seed of the sweep, epochs within ``[-1, epochs]``, ``diverged``
0 or 1, errors finite and non-negative or NULL) cover version 1 stores too.

A sweep that keeps more of each run (``record_every``, ``keep_weights``) has
two more columns in ``runs``, ``curve`` and ``weights``: BLOBs of
little-endian float64, the run's recorded errors (``ceil(epochs /
record_every) + 1`` values, NaN after a stopped run's end) and its final W1,
b1, W2, b2 (empty when not kept). Its block digest is then the SHA-256 of the
two hex digests, of the canonical rows and of the BLOBs in seed order (each
run's curve, then its weights); the reader checks each BLOB's length against
its config and the errors' range, as for ``final_mse``.
"""

import hashlib
import sqlite3

import numpy as np

from .results import recorded_points
from .spec import state_size

FETCH_ROWS = 65_536
#: The result columns stored per run, after (config, seed).
STORED = ("max_error", "final_mse", "epoch_solved", "epoch_tol", "diverged")
_INTEGER_COLUMNS = ("config", "seed", "epoch_solved", "epoch_tol", "diverged")

#: The bytes a block's digest is taken over: its rows in seed order, NULL as NaN.
CANONICAL = np.dtype(
    [
        ("config", "<i8"),
        ("seed", "<i8"),
        ("max_error", "<f8"),
        ("final_mse", "<f8"),
        ("epoch_solved", "<i8"),
        ("epoch_tol", "<i8"),
        ("diverged", "<i8"),
    ]
)


def canonical_rows(columns):
    """The canonical array of rows given as the stored columns (``None`` for NULL)."""
    canonical = np.empty(len(columns[0]), dtype=CANONICAL)
    for name, values in zip(CANONICAL.names, columns):
        canonical[name] = np.array(values, dtype=CANONICAL[name])
    for name in ("max_error", "final_mse"):
        canonical[name] += 0.0  # -0.0 reads back from SQLite as 0.0
    return canonical


def digest(canonical, blobs=None):
    """The hex SHA-256 of a block's canonical rows, and of its BLOBs when it has them.

    ``blobs``: the block's ``(curve, weights)`` BLOBs in seed order, or None
    (a sweep that keeps nothing more).
    """
    rows = hashlib.sha256(canonical.tobytes()).hexdigest()
    if blobs is None:
        return rows
    hasher = hashlib.sha256()
    for curve, weights in blobs:
        hasher.update(curve)
        hasher.update(weights)
    return combined_digest(rows, hasher.hexdigest())


def combined_digest(rows, blobs):
    """A block's digest from those of its rows and of its BLOBs (hex)."""
    return hashlib.sha256((rows + blobs).encode()).hexdigest()


def keeps_more(spec):
    """Whether a sweep stores each run's curve and weights beside its row."""
    return bool(spec.record_every) or bool(spec.keep_weights)


def kept_sizes(spec, config):
    """The float64 values of a run's curve and weights BLOBs for ``config``."""
    points = recorded_points(config.epochs, spec.record_every)
    parameters = state_size(spec.X.shape[1], config.hidden, spec.y.shape[1])
    return points, parameters if spec.keep_weights else 0


class Scan:
    """Read every stored run once, in key order, checking it; optionally fill a table.

    After construction, ``finished`` (flat, one per run of the sweep) marks the
    runs that passed the row checks (for version 2, a run is only trustworthy
    if its block is not in ``damaged`` either); ``damaged`` maps each damaged
    block id (``None`` for rows that name no valid block, and for a read that
    SQLite could not finish) to the seeds seen per config. ``table`` is filled
    with the rows that pass; ``sink(blocks, positions, canonical)`` gets them.
    A sweep that keeps more fills ``curves`` and ``weights`` (float64, rows as
    the table's) from its BLOBs, and its sink gets a fourth argument, the
    rows' ``(curve, weights)`` BLOBs.
    """

    def __init__(
        self,
        connection,
        path,
        spec,
        version,
        *,
        table=None,
        sink=None,
        curves=None,
        weights=None,
    ):
        self.path, self.spec, self.version = path, spec, version
        per_config = len(spec.seeds)
        self.finished = np.zeros(len(spec.configs) * per_config, dtype=bool)
        self._order = np.argsort(spec.seeds, kind="stable")
        self._sorted_seeds = spec.seeds[self._order]
        self._epochs = np.array([config.epochs for config in spec.configs], dtype=np.int64)
        # Outputs lie in [0, 1], so an error is at most this; a little slack for rounding.
        span = max(float(spec.y.max()), 1.0 - float(spec.y.min()), 1.0)
        self._max_error = span * (1 + 1e-6)
        self._max_mse = span * span * (1 + 1e-6)
        self.damaged = {}  # block id (None: rows without a valid block) -> {config: seeds}
        self._unnamed = {}  # config -> rows of no valid block whose seed cannot be read
        self._table, self._sink = table, sink
        self._kept = keeps_more(spec) and version >= 2
        self._curves, self._weights = curves, weights
        # Per config, the bytes of a run's curve and weights BLOBs.
        self._sizes = (
            np.array(
                [kept_sizes(spec, config) for config in spec.configs], dtype=np.int64
            ).reshape(-1, 2)
            * 8
        )
        self._blob_hashers = {}
        self.blocks = {}  # id -> (config, runs, sha256)
        self._hashers, self._counts = {}, {}
        #: The SQLite error that stopped the reading, if any (the rest counts as missing).
        self.read_error = None
        try:
            if version >= 2:
                for block, config, runs, sha in connection.execute(
                    "SELECT id, config, runs, sha256 FROM blocks"
                ):
                    self.blocks[block] = (config, runs, sha)
            block_column = "block" if version >= 2 else "-1"
            types = " AND ".join(
                f"typeof({name})='integer'" for name in (*_INTEGER_COLUMNS, block_column)
            )
            kept = ""
            if self._kept:
                # As BLOBs whatever their type, so no TEXT is decoded; typeof checks it.
                kept = "CAST(curve AS BLOB), CAST(weights AS BLOB), "
                types += " AND typeof(curve)='blob' AND typeof(weights)='blob'"
            cursor = connection.execute(
                f"SELECT config, seed, {', '.join(STORED)}, {block_column}, {kept}{types} "
                "AND typeof(max_error) IN ('real', 'null') "
                "AND typeof(final_mse) IN ('real', 'null') "
                "FROM runs ORDER BY config, seed"
            )
            while chunk := cursor.fetchmany(FETCH_ROWS):
                self._chunk(chunk)
        except sqlite3.DatabaseError as error:
            self.read_error = error
            self.damaged.setdefault(None, {})
        if version >= 2:
            self._close_blocks(connection)

    def _mark(self, block, config, seeds):
        seen = self.damaged.setdefault(block, {})
        seen.setdefault(int(config), set()).update(int(s) for s in seeds)

    def _chunk(self, chunk):
        spec = self.spec
        columns = list(zip(*chunk))
        if not all(columns[-1]):  # some value of a type its column never holds
            typed = [row for row in chunk if row[-1] == 1]
            for row in chunk:
                if row[-1] != 1:
                    block = row[7] if isinstance(row[7], int) and row[7] in self.blocks else None
                    config = row[0] if isinstance(row[0], int) else -1
                    self._mark(block, config, [row[1]] if isinstance(row[1], int) else [])
                    if not isinstance(row[1], int) and block is None:  # (a block counts it)
                        self._unnamed[config] = self._unnamed.get(config, 0) + 1
            if not typed:
                return
            columns = list(zip(*typed))
        canonical = canonical_rows(columns[:7])
        block = np.array(columns[7], dtype=np.int64)
        config, seed = canonical["config"], canonical["seed"]
        bad = (config < 0) | (config >= len(spec.configs))
        config_ok = np.where(bad, 0, config)
        index = np.minimum(np.searchsorted(self._sorted_seeds, seed), len(spec.seeds) - 1)
        bad |= self._sorted_seeds[index] != seed
        where = self._order[index]
        placed = ~bad  # rows that name a run of this sweep
        epochs = self._epochs[config_ok]
        for name in ("epoch_solved", "epoch_tol"):
            bad |= (canonical[name] < -1) | (canonical[name] > epochs)
        bad |= (canonical["diverged"] != 0) & (canonical["diverged"] != 1)
        for name, limit in (("max_error", self._max_error), ("final_mse", self._max_mse)):
            values = canonical[name]
            bad |= ~np.isnan(values) & ~((values >= 0) & (values <= limit))
        blobs = list(zip(columns[8], columns[9])) if self._kept else None
        if blobs is not None:
            bad |= self._bad_blobs(blobs, config_ok)
        at = config_ok * len(spec.seeds) + where
        # A run stored twice (in this chunk, or before it): every copy is suspect.
        _, inverse, counts = np.unique(at[placed], return_inverse=True, return_counts=True)
        twice = np.zeros(len(at), dtype=bool)
        twice[placed] = counts[inverse] > 1
        bad |= twice | (placed & self.finished[at])
        if self.version >= 2:
            ids, inverse = np.unique(block, return_inverse=True)
            owners = [self.blocks.get(b, (None,))[0] for b in ids.tolist()]
            block_config = np.array(
                [c if isinstance(c, int) else -1 for c in owners], dtype=np.int64
            )[inverse]
            bad |= (block_config < 0) | (block_config != config)
        for i in np.flatnonzero(bad):
            owner = int(block[i]) if self.version >= 2 and block[i] in self.blocks else None
            self._mark(owner, config[i], [seed[i]])
        good = ~bad
        self.finished[at[good]] = True
        if self.version >= 2:
            order = np.argsort(block, kind="stable")  # keeps seed order within a block
            starts = np.flatnonzero(np.r_[True, block[order][1:] != block[order][:-1]])
            for part in np.split(order, starts[1:]):
                owner = int(block[part[0]])
                if owner not in self.blocks:
                    continue
                self._hashers.setdefault(owner, hashlib.sha256()).update(canonical[part].tobytes())
                self._counts[owner] = self._counts.get(owner, 0) + len(part)
                if blobs is not None:
                    hasher = self._blob_hashers.setdefault(owner, hashlib.sha256())
                    for i in part.tolist():
                        hasher.update(blobs[i][0])
                        hasher.update(blobs[i][1])
        table = self._table
        if table is not None:
            for name in STORED:
                table[name][at[good]] = canonical[name][good]
        if blobs is not None:
            self._fill_kept(blobs, at, good)
        if self._sink is not None:
            if blobs is None:
                self._sink(block[good], at[good], canonical[good])
            else:
                chosen = [blobs[i] for i in np.flatnonzero(good).tolist()]
                self._sink(block[good], at[good], canonical[good], chosen)

    def _bad_blobs(self, blobs, config):
        """Rows whose BLOBs have the wrong length for their config, or errors out of range."""
        sizes = self._sizes[config]
        bad = np.zeros(len(blobs), dtype=bool)
        for i, (curve, weights) in enumerate(blobs):
            if len(curve) != sizes[i, 0] or len(weights) != sizes[i, 1]:
                bad[i] = True
                continue
            values = np.frombuffer(curve, dtype="<f8")
            bad[i] = bool((~np.isnan(values) & ~((values >= 0) & (values <= self._max_mse))).any())
        return bad

    def _fill_kept(self, blobs, at, good):
        for i in np.flatnonzero(good).tolist():
            curve, weights = blobs[i]
            if self._curves is not None:
                self._curves[at[i], : len(curve) // 8] = np.frombuffer(curve, dtype="<f8")
            if self._weights is not None:
                self._weights[at[i], : len(weights) // 8] = np.frombuffer(weights, dtype="<f8")

    def _close_blocks(self, connection):
        """Compare each block's digest and count; name the seeds of those that fail."""
        for block, (config, runs, sha) in self.blocks.items():
            counted = self._counts.get(block, 0)
            hasher = self._hashers.get(block)
            found = None if hasher is None else hasher.hexdigest()
            if found is not None and self._kept:
                blobs = self._blob_hashers.get(block, hashlib.sha256()).hexdigest()
                found = combined_digest(found, blobs)
            if counted == runs and found == sha:
                continue
            seen = self.damaged.setdefault(block, {})
            seen.setdefault(int(config) if isinstance(config, int) else -1, set())
        failed = [block for block in self.damaged if block is not None]
        if not failed or self.read_error is not None:
            return
        # Only when something failed: read again which seeds those blocks hold.
        marks = ", ".join("?" * len(failed))
        try:
            for block, config, seed in connection.execute(
                f"SELECT block, config, seed FROM runs WHERE block IN ({marks})", failed
            ):
                if isinstance(config, int) and isinstance(seed, int):
                    self._mark(block, config, [seed])
        except sqlite3.DatabaseError:
            pass  # the message then names fewer seeds

    def affected(self):
        """The damaged runs in words: how many, and which configs and seeds."""
        configs = self.spec.configs
        per_config = {}  # config -> [seeds seen, runs whose rows are missing]
        in_blocks = {}  # config -> seeds seen in a block
        for block, seen in self.damaged.items():
            expected = self.blocks[block][1] if block in self.blocks else 0
            for config, seeds in seen.items():
                entry = per_config.setdefault(config, [set(), 0])
                entry[0].update(seeds)
                if block is not None:
                    in_blocks.setdefault(config, set()).update(seeds)
                if isinstance(expected, int) and expected > len(seeds):
                    entry[1] += expected - len(seeds)  # rows lost, or moved elsewhere
        # A row that names no valid block (its block id damaged) is likely one a block
        # misses: count it once, among the seeds, not again as missing.
        for config, seeds in self.damaged.get(None, {}).items():
            entry = per_config[config]
            entry[1] = max(0, entry[1] - len(seeds - in_blocks.get(config, set())))
        for config, rows in self._unnamed.items():
            per_config[config][1] += rows  # counted with the rows missing; named below
        runs = sum(len(seeds) + missing for seeds, missing in per_config.values())
        parts = []
        for config in sorted(per_config):
            seeds, missing = per_config[config]
            if 0 <= config < len(configs):
                c = configs[config]
                # Momentum only where a sweep has any, so earlier messages stay as they were.
                momentum = f"momentum {c.momentum}, " if self.spec.momentum != (0.0,) else ""
                # Likewise issue 15's axes, only where a sweep has them.
                if self.spec.activation != ("sigmoid",):
                    momentum += f"activation {c.activation}, "
                if self.spec.weight_decay != (0.0,):
                    momentum += f"weight_decay {c.weight_decay}, "
                name = (
                    f"config {config} (hidden {c.hidden}, lr {c.lr}, {momentum}init_scale "
                    f"{c.init_scale}, epochs {c.epochs})"
                )
            else:
                name = "rows of no valid config"
            words = [f"seeds {_ranges(sorted(seeds))}"] if seeds else []
            unnamed = self._unnamed.get(config, 0)
            if missing > unnamed:
                words.append(f"{missing - unnamed} runs whose rows are missing")
            if unnamed:
                words.append(f"{unnamed} rows whose seed cannot be read")
            parts.append(f"{name}: {' and '.join(words)}")
        if self.read_error is not None:
            parts.append(f"all runs SQLite could not read ({self.read_error})")
        shown = "; ".join(parts[:6]) + (f"; and {len(parts) - 6} more" if len(parts) > 6 else "")
        if self.version >= 2:
            blocks = len([block for block in self.damaged if block is not None])
            return f"{blocks} block{'s' * (blocks != 1)} ({runs} runs): {shown}"
        return f"{runs} runs: {shown}"

    def describe_damage(self):
        """The error message for a damaged store: which runs, how to rerun only them."""
        checks = "checksum or range checks" if self.version >= 2 else "range checks"
        return (
            f"store {self.path!r} is damaged; these fail their {checks}: "
            f"{self.affected()}. No run was read from it. To rerun only these: "
            f"xorfast.sweeps.store.repair_store({self.path!r}) (command line: xorfast store "
            f"repair {self.path}) drops them and keeps a copy of the damaged file; then "
            "run the same sweep with the same store"
        )


def _ranges(values):
    """``[0, 1, 2, 5]`` as ``"0-2, 5"`` (the first few ranges, then a count)."""
    ranges = []
    start = previous = values[0]
    for value in values[1:] + [None]:
        if value is not None and value == previous + 1:
            previous = value
            continue
        ranges.append(f"{start}-{previous}" if previous != start else f"{start}")
        start = previous = value
    if len(ranges) > 8:
        return ", ".join(ranges[:8]) + f", ... ({len(values)} seeds)"
    return ", ".join(ranges)
