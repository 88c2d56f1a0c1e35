"""Benchmark: the library's score() against a DuckDB SQL reference, and read_table against fastexcel.

Run ``make bench`` (or ``python bench/run.py --help`` for the options). For each size the data is
generated once with ``write_procurement_data`` (5,000 suppliers, 24 months, inspections and
requests at the generator's default ratios) as parquet under ``bench/data/`` (git-ignored, reused
when present). Every timed run is a fresh child process; peak memory is the highest sum of the
resident set sizes of that process and its children (dask workers), sampled every 50 ms.

Library: the canonical parquet files are read as ``score(path)`` reads them
(:func:`supplier_analytics.ingest.columnar.read_parquet_table`: the columns the scoring uses, low-cardinality ids
as categoricals, text as Arrow strings) and scored with :func:`supplier_analytics.score` up to the Scorecard
object (no files written: the workbook and CSV files are not part of the timing). The child mode ``pandas``
reads with a plain ``pandas.read_parquet`` of every canonical column instead, for comparison. ``--read-table`` also times the path through
``read_table`` (every cell of the export checked, as for messy exports) at the sizes it names.
DuckDB: the delivery and quality statistics per supplier and month in SQL over the same files
(``bench/reference.py``). Both results are checked against each other: counts exactly, sums and
rates to 1e-9.

Excel: a 200,000 x 12 xlsx export is read, mapped and validated by ``read_table`` and read raw by
fastexcel (calamine into Arrow; a core dependency, which read_table itself uses for large sheets). Both
run in fresh processes, so both times include importing what they need.

``--size 50M`` instead scores a 50-million-line dataset with the dask engine on a local cluster of
two worker processes (generation takes several minutes the first time).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
AS_OF, START = "2026-12-31", "2026-01-01"  # the generator's last day; 12-month window
N_SUPPLIERS, MONTHS, SEED = 5_000, 24, 42
SIZES = {"1M": 1_000_000, "10M": 10_000_000, "50M": 50_000_000}
RATE_PAIRS = {  # library rate column -> (duckdb numerator, denominator)
    "on_time_rate": ("on_time_k", "n_deliveries"),
    "early_rate": ("early_k", "n_deliveries"),
    "late_rate": ("late_k", "n_deliveries"),
    "in_full_rate": ("in_full_k", "n_deliveries"),
    "otif_rate": ("otif_k", "n_deliveries"),
    "lot_rejection_rate": ("lot_k", "lot_n"),
}


# --------------------------------------------------------------------------- data


def dataset(n: int) -> Path:
    """The parquet folder for ``n`` delivery lines, generated when absent."""
    from supplier_analytics import write_procurement_data

    folder = DATA / f"deliveries{n}_suppliers{N_SUPPLIERS}_months{MONTHS}_seed{SEED}"
    done = folder / "complete.json"
    if not done.exists():
        print(f"generating {n:,} delivery lines into {folder.relative_to(HERE.parent)} ...", flush=True)
        t = time.perf_counter()
        write_procurement_data(
            folder,
            n_suppliers=N_SUPPLIERS,
            n_deliveries=n,
            seed=SEED,
            format="parquet",
            months=MONTHS,
            start="2025-01-01",
        )
        done.write_text(json.dumps({"n_deliveries": n, "seconds": round(time.perf_counter() - t, 1)}))
    return folder


def partitioned(folder: Path, n_files: int) -> Path:
    from supplier_analytics.engines import partition_parquet

    out = folder / f"deliveries_by_supplier_{n_files}"
    done = folder / f"deliveries_by_supplier_{n_files}.complete"
    if not done.exists():
        print(f"partitioning deliveries by supplier into {n_files} files ...", flush=True)
        partition_parquet(folder / "deliveries.parquet", out, n_files=n_files)
        done.write_text("{}")
    return out


def excel_export(rows: int = 200_000) -> Path:
    """A 200,000 x 12 deliveries export (the generator's columns without ``value``), written once."""
    import pandas as pd

    from supplier_analytics import make_procurement_data

    path = DATA / f"deliveries_{rows}x12.xlsx"
    if not path.exists():
        print(f"writing the {rows:,}-row Excel export (once) ...", flush=True)
        d = make_procurement_data(n_suppliers=500, n_deliveries=rows, seed=SEED).deliveries.drop(columns="value")
        assert d.shape[1] == 12
        DATA.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp.xlsx")
        with pd.ExcelWriter(tmp, engine="openpyxl") as xw:
            d.to_excel(xw, index=False, sheet_name="deliveries")
        tmp.replace(path)
    return path


# --------------------------------------------------------------------------- child processes


def _child_library(folder: str, out: str, mode: str) -> dict:
    import warnings

    import pandas as pd
    import pyarrow.parquet as pq

    import supplier_analytics as sa
    import supplier_analytics.scorecard  # noqa: F401 - imported before the clock starts, as duckdb is
    from supplier_analytics.ingest.columnar import read_parquet_table
    from supplier_analytics.schema import TABLES

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    tables = {}
    for t in ("deliveries", "inspections", "requests", "suppliers", "exclusions"):
        path = Path(folder) / f"{t}.parquet"
        if mode == "read_table":
            tables[t] = sa.read_table(path, t)
        elif mode == "pandas":  # a plain pandas.read_parquet of every canonical column, for comparison
            names = set(pq.read_schema(path).names)
            tables[t] = pd.read_parquet(path, columns=[c for c in TABLES[t].names if c in names])
        else:  # what score(path) does: the library's parquet reader (columns used, ids dictionary-encoded)
            tables[t] = read_parquet_table(path, t)
    t1 = time.perf_counter()
    card = sa.score(**tables, as_of=AS_OF)
    t2 = time.perf_counter()
    if out:
        st = card.metrics.stats
        st.delivery.assign(period_start=st.delivery["period"].dt.start_time).drop(columns="period").to_parquet(
            Path(out) / "delivery.parquet"
        )
        st.quality.assign(period_start=st.quality["period"].dt.start_time).drop(columns="period").to_parquet(
            Path(out) / "quality.parquet"
        )
        p = card.periods
        p[["supplier_id", "period_start", *RATE_PAIRS]].to_parquet(Path(out) / "periods.parquet")
    return {"read": t1 - t0, "score": t2 - t1, "wall": t2 - t0, "suppliers": len(card.suppliers)}


def _child_duckdb(folder: str, out: str) -> dict:
    import duckdb  # noqa: F401 - imported before the clock starts, as the library is

    sys.path.insert(0, str(HERE))
    from reference import duckdb_reference

    t0 = time.perf_counter()
    delivery, quality = duckdb_reference(Path(folder), as_of=AS_OF, start=START)
    wall = time.perf_counter() - t0
    if out:
        delivery.to_parquet(Path(out) / "duck_delivery.parquet")
        quality.to_parquet(Path(out) / "duck_quality.parquet")
    return {"wall": wall}


def _child_dask(folder: str, parts: str, workers: int, memory_limit: str) -> dict:
    import warnings

    import pandas as pd

    import supplier_analytics as sa
    from supplier_analytics.engines import local_cluster

    warnings.simplefilter("ignore")
    client = local_cluster(n_workers=workers, memory_limit=memory_limit)
    try:
        t0 = time.perf_counter()
        card = sa.score(
            deliveries=parts,
            inspections=Path(folder) / "inspections.parquet",
            requests=Path(folder) / "requests.parquet",
            suppliers=pd.read_parquet(Path(folder) / "suppliers.parquet"),
            exclusions=pd.read_parquet(Path(folder) / "exclusions.parquet"),
            as_of=AS_OF,
            engine="dask",
        )
        wall = time.perf_counter() - t0
    finally:
        client.close()
        client.cluster.close()
    return {"wall": wall, "suppliers": len(card.suppliers), "lines": int(card.metrics.stats.delivery["n_lines"].sum())}


def _child_excel(path: str, which: str) -> dict:
    import warnings

    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    if which == "fastexcel":
        import fastexcel

        table = fastexcel.read_excel(path).load_sheet(0).to_arrow()
        rows = table.num_rows
    else:
        from supplier_analytics import read_table

        result = read_table(path, "deliveries")
        rows = result.rows_read
    return {"wall": time.perf_counter() - t0, "rows": int(rows)}


def child_main(argv: list[str]) -> None:
    kind, *rest = argv
    fn = {"library": _child_library, "duckdb": _child_duckdb, "dask": _child_dask, "excel": _child_excel}[kind]
    args = [int(a) if a.isdigit() else a for a in rest]
    print("RESULT " + json.dumps(fn(*args)), flush=True)


def measure(args: list[str]) -> dict:
    """Run one child; its result plus peak RSS (MiB) of the child and its descendants together."""
    import psutil

    proc = subprocess.Popen(
        [sys.executable, str(Path(__file__).resolve()), "--child", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    peak = [0]
    done = threading.Event()

    def sample():
        try:
            p = psutil.Process(proc.pid)
        except psutil.Error:
            return
        while not done.is_set():
            try:
                total = p.memory_info().rss + sum(c.memory_info().rss for c in p.children(recursive=True))
                peak[0] = max(peak[0], total)
            except psutil.Error:
                pass
            done.wait(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    out, err = proc.communicate()
    done.set()
    th.join()
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"bench child {args[0]} failed (exit {proc.returncode}):\n{err[-3000:]}")
    result = json.loads(lines[-1][len("RESULT ") :])
    result["rss_mib"] = peak[0] / 2**20
    return result


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


# --------------------------------------------------------------------------- agreement


def check_agreement(out: Path) -> str:
    """Counts exactly, sums and rates to 1e-9; raises SystemExit on a difference."""
    import numpy as np
    import pandas as pd

    problems = []
    for lib_name, duck_name in (("delivery", "duck_delivery"), ("quality", "duck_quality")):
        lib = pd.read_parquet(out / f"{lib_name}.parquet")
        duck = pd.read_parquet(out / f"{duck_name}.parquet")
        duck["period_start"] = pd.to_datetime(duck["period_start"]).astype("datetime64[ns]")
        lib["period_start"] = lib["period_start"].astype("datetime64[ns]")
        lib["supplier_id"] = lib["supplier_id"].astype(str)
        duck["supplier_id"] = duck["supplier_id"].astype(str)
        m = lib.merge(duck, on=["supplier_id", "period_start"], how="outer", suffixes=("", "_sql"), indicator=True)
        only = int((m["_merge"] != "both").sum())
        if only:
            problems.append(f"{lib_name}: {only} supplier-months in only one result")
        for c in duck.columns:
            if c in ("supplier_id", "period_start"):
                continue
            a = m[c].fillna(0).to_numpy(dtype=float)
            b = m[f"{c}_sql"].fillna(0).to_numpy(dtype=float)
            exact = c.startswith("n_") or c.endswith("_k") or c.endswith("_n")
            bad = (a != b) if exact else ~np.isclose(a, b, rtol=1e-9, atol=0)
            if bad.any():
                problems.append(f"{lib_name}.{c}: {int(bad.sum())} differences")
    periods = pd.read_parquet(out / "periods.parquet")
    periods["period_start"] = periods["period_start"].astype("datetime64[ns]")
    periods["supplier_id"] = periods["supplier_id"].astype(str)
    sql = pd.read_parquet(out / "duck_delivery.parquet").merge(
        pd.read_parquet(out / "duck_quality.parquet"), on=["supplier_id", "period_start"], how="outer"
    )
    sql["period_start"] = pd.to_datetime(sql["period_start"]).astype("datetime64[ns]")
    sql["supplier_id"] = sql["supplier_id"].astype(str)
    m = periods.merge(sql, on=["supplier_id", "period_start"], how="inner")
    n_rates = 0
    for rate, (k, n) in RATE_PAIRS.items():
        with np.errstate(divide="ignore", invalid="ignore"):
            ref = np.where(m[n] > 0, m[k] / m[n], np.nan)
        got = m[rate].to_numpy(dtype=float)
        ok = np.isclose(got, ref, rtol=0, atol=1e-9, equal_nan=True)
        n_rates += int(np.isfinite(ref).sum())
        if not ok.all():
            problems.append(f"{rate}: {int((~ok).sum())} rates differ by more than 1e-9")
    if problems:
        raise SystemExit("library and DuckDB disagree: " + "; ".join(problems))
    return f"agree: {len(m):,} supplier-months, {n_rates:,} rates (counts exact, sums and rates to 1e-9)"


# --------------------------------------------------------------------------- main


def machine() -> str:
    import dask
    import duckdb
    import fastexcel
    import numpy
    import pandas
    import psutil
    import pyarrow

    import supplier_analytics

    mem = psutil.virtual_memory().total / 2**30
    return (
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {mem:.0f} GiB; Python "
        f"{platform.python_version()}, supplier-analytics {supplier_analytics.__version__}, pandas "
        f"{pandas.__version__}, numpy {numpy.__version__}, pyarrow {pyarrow.__version__}, duckdb "
        f"{duckdb.__version__}, dask {dask.__version__}, fastexcel {fastexcel.__version__}"
    )


def run_scale(sizes: list[str], repeats: dict[str, int], read_table_sizes: set[str]) -> list[dict]:
    rows = []
    for size in sizes:
        folder = dataset(SIZES[size])
        with tempfile.TemporaryDirectory() as tmp:
            lib_runs, duck_runs = [], []
            for i in range(repeats[size]):
                duck_runs.append(measure(["duckdb", folder, tmp if i == 0 else ""]))
                lib_runs.append(measure(["library", folder, tmp if i == 0 else "", "parquet"]))
                print(
                    f"  {size} run {i + 1}: library {lib_runs[-1]['wall']:.1f} s "
                    f"({lib_runs[-1]['rss_mib']:.0f} MiB), duckdb {duck_runs[-1]['wall']:.1f} s "
                    f"({duck_runs[-1]['rss_mib']:.0f} MiB)",
                    flush=True,
                )
            agreement = check_agreement(Path(tmp))
        print(f"  {size}: {agreement}", flush=True)
        row = {
            "size": size,
            "runs": len(lib_runs),
            "lib": median_of(lib_runs, "wall"),
            "lib_read": median_of(lib_runs, "read"),
            "lib_rss": max(r["rss_mib"] for r in lib_runs),
            "duck": median_of(duck_runs, "wall"),
            "duck_rss": max(r["rss_mib"] for r in duck_runs),
        }
        if size in read_table_sizes:
            rt = measure(["library", folder, "", "read_table"])
            row.update(rt_wall=rt["wall"], rt_read=rt["read"], rt_rss=rt["rss_mib"])
        rows.append(row)
    return rows


def print_scale(rows: list[dict]) -> None:
    print()
    print(
        "| size | runs | library wall s (read) | DuckDB wall s | library / DuckDB | library peak RSS MiB "
        "| DuckDB peak RSS MiB |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['size']} | {r['runs']} | {r['lib']:.2f} ({r['lib_read']:.2f}) | {r['duck']:.2f} | "
            f"{r['lib'] / r['duck']:.2f} | {r['lib_rss']:.0f} | {r['duck_rss']:.0f} |"
        )
    by = {r["size"]: r for r in rows}
    if "1M" in by and "10M" in by:
        print(
            f"\n10M / 1M time ratio: library {by['10M']['lib'] / by['1M']['lib']:.1f}, "
            f"DuckDB {by['10M']['duck'] / by['1M']['duck']:.1f} (target for the library: at most 11)"
        )
    for r in rows:
        if "rt_wall" in r:
            print(
                f"{r['size']} through read_table (every cell checked): {r['rt_wall']:.1f} s, of which reading "
                f"{r['rt_read']:.1f} s; peak RSS {r['rt_rss']:.0f} MiB"
            )


def run_excel(repeats: int) -> None:
    path = excel_export()
    fx = [measure(["excel", path, "fastexcel"]) for _ in range(repeats)]
    lib = [measure(["excel", path, "read_table"]) for _ in range(repeats)]
    f, lb = median_of(fx, "wall"), median_of(lib, "wall")
    print(
        f"\nExcel 200,000 x 12 ({path.stat().st_size / 2**20:.0f} MiB xlsx), median of {repeats}: "
        f"fastexcel raw read {f:.2f} s; read_table read+map+validate {lb:.2f} s; ratio {lb / f:.2f} "
        f"(target at most 2, aim 1.2); peak RSS {max(r['rss_mib'] for r in lib):.0f} MiB"
    )


def run_dask(size: str, workers: int, memory_limit: str, n_files: int) -> None:
    folder = dataset(SIZES[size])
    parts = partitioned(folder, n_files)
    r = measure(["dask", folder, parts, workers, memory_limit])
    print(
        f"\n{size} delivery lines with the dask engine ({workers} worker processes, memory_limit {memory_limit}, "
        f"{n_files} partitions): {r['wall']:.1f} s, {r['lines']:,} order lines in the window statistics, "
        f"{r['suppliers']:,} suppliers; peak RSS of all processes {r['rss_mib']:.0f} MiB (target under 3 GiB)"
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        child_main(argv[1:])
        return 0
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--size",
        choices=("all", "1M", "10M", "50M"),
        default="all",
        help="all: 1M and 10M (default); 50M: the dask engine on 50M lines only",
    )
    p.add_argument("--repeats-1m", type=int, default=3)
    p.add_argument("--repeats-10m", type=int, default=3)
    p.add_argument("--read-table", default="1M", help="sizes also timed through read_table (comma list, or none)")
    p.add_argument("--no-excel", action="store_true", help="skip the Excel comparison")
    p.add_argument(
        "--dask", choices=tuple(SIZES), help="score only this size with the dask engine (--size 50M implies --dask 50M)"
    )
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--memory-limit", default="1.2GiB", help="per dask worker (dask mode)")
    p.add_argument("--partitions", type=int, default=64, help="files of the partitioned dataset (dask mode)")
    a = p.parse_args(argv)
    print(machine(), flush=True)
    if a.size == "50M" or a.dask:
        run_dask(a.dask or "50M", a.workers, a.memory_limit, a.partitions)
        return 0
    sizes = ["1M", "10M"] if a.size == "all" else [a.size]
    rows = run_scale(
        sizes,
        {"1M": a.repeats_1m, "10M": a.repeats_10m},
        set() if a.read_table == "none" else set(a.read_table.split(",")),
    )
    print_scale(rows)
    if not a.no_excel:
        run_excel(3)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
