"""ERP presets (ready-made mappings by name), the database header names, the preset note and `mappings`.

The sample exports under data/sample/exports/presets/ are made from the sample's records (datasets/preset_exports.py);
each is read with its preset and compared with the records it was made from, and scored against them.
"""

from __future__ import annotations

import fnmatch
import tomllib
import warnings
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from supplier_analytics.cli import main
from supplier_analytics.datasets import SAMPLE_PARAMETERS, make_procurement_data
from supplier_analytics.datasets.preset_exports import preset_exports
from supplier_analytics.errors import ConfigError, InputError
from supplier_analytics.ingest import read_mapping, read_table
from supplier_analytics.ingest.preset_hint import suggest_preset
from supplier_analytics.ingest.presets import PRESETS
from supplier_analytics.schema import ALL_TABLES

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = ROOT / "data" / "sample" / "exports" / "presets"
PRESET_DIR = ROOT / "src" / "supplier_analytics" / "data" / "presets"


@pytest.fixture(scope="module")
def sample():
    return make_procurement_data(**SAMPLE_PARAMETERS)


@pytest.fixture(scope="module")
def exports(sample):
    return preset_exports(sample)


# ----------------------------------------------------------------- database header names


def _csv(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_wide_world_importers_purchase_order_lines_read_as_deliveries(tmp_path):
    path = _csv(
        tmp_path,
        "wwi.csv",
        "PurchaseOrderID,SupplierID,OrderDate,ExpectedDeliveryDate,PurchaseOrderLineID,StockItemID,"
        "OrderedOuters,ReceivedOuters,LastReceiptDate\n"
        "1,7,2013-01-01,2013-01-02,1,1,3,3,2013-01-02\n"
        "2,4,2013-01-01,2013-01-02,2,2,10,8,2013-01-05\n",
    )
    r = read_table(path, "deliveries")
    assert r.column_map == {
        "supplier_id": "SupplierID",
        "po_id": "PurchaseOrderID",
        "line_id": "PurchaseOrderLineID",
        "item": "StockItemID",
        "quantity_ordered": "OrderedOuters",
        "quantity_received": "ReceivedOuters",
        "date_ordered": "OrderDate",
        "date_promised": "ExpectedDeliveryDate",
        "date_received": "LastReceiptDate",
    }
    assert r.rows_accepted == 2 and r.data["date_received"].iloc[1] == pd.Timestamp("2013-01-05")


def test_adventure_works_po_detail_maps_its_columns_but_has_no_receipt_date(tmp_path):
    path = _csv(
        tmp_path,
        "aw.csv",
        "PurchaseOrderID,PurchaseOrderDetailID,VendorID,OrderDate,ShipDate,DueDate,ProductID,OrderQty,"
        "ReceivedQty,RejectedQty\n1,1,1580,2011-04-16,2011-04-25,2011-04-30,1,4,3,0\n",
    )
    # ShipDate is an estimated shipping date: never taken as the receipt, so date_received stays missing
    with pytest.raises(InputError, match=r"lacks the required deliveries column date_received \(") as e:
        read_table(path, "deliveries")
    assert "ShipDate" in str(e.value)
    m = {"deliveries": {"columns": {"date_received": "ShipDate"}}}  # only when the user says so
    r = read_table(path, "deliveries", mapping=m)
    assert r.column_map["po_id"] == "PurchaseOrderID" and r.column_map["line_id"] == "PurchaseOrderDetailID"
    assert r.column_map["date_promised"] == "DueDate" and r.column_map["item"] == "ProductID"
    assert r.column_map["supplier_id"] == "VendorID" and r.column_map["quantity_ordered"] == "OrderQty"
    assert r.column_map["quantity_received"] == "ReceivedQty"
    # RejectedQty is the rejected quantity of an inspection, not part of a delivery
    assert "'RejectedQty'" in next(n for n in r.notes if n.startswith("columns not used"))
    lots = read_table(path, "inspections", mapping={"inspections": {"columns": {"date": "DueDate"}}})
    assert lots.column_map["quantity_defective"] == "RejectedQty"
    assert lots.column_map["quantity_inspected"] == "ReceivedQty"


# ----------------------------------------------------------------- presets by name


def test_every_preset_file_is_registered_and_described():
    files = sorted(p.stem for p in PRESET_DIR.glob("*.toml"))
    assert files == sorted(PRESETS)
    for name, preset in PRESETS.items():
        text = (PRESET_DIR / f"{name}.toml").read_text(encoding="utf-8")
        assert text.startswith(f'# Preset "{name}":'), name
        assert "What the export cannot say" in text, name
        assert preset.tables and set(preset.tables) <= set(ALL_TABLES)
        m = read_mapping(name)
        assert m.source == f"preset {name}"
        for table in preset.tables:
            assert m[table].columns and set(m[table].columns.values()) == set(preset.headers(table))


def test_the_preset_files_are_package_data():
    spec = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    globs = spec["tool"]["setuptools"]["package-data"]["supplier_analytics"]
    for name in PRESETS:
        assert any(fnmatch.fnmatch(f"data/presets/{name}.toml", g) for g in globs), name


def test_a_preset_is_taken_by_name_as_text_or_path(tmp_path):
    by_text = read_mapping("sap-mb51")
    assert read_mapping(Path("sap-mb51")) == by_text
    # a batch job resolves mapping = "sap-mb51" against its folder: still the preset when no such file is there
    assert read_mapping(tmp_path / "sap-mb51") == by_text
    assert by_text["deliveries"].columns["quantity_received"] == "Qty in Unit of Entry"
    # a file of that name wins over the preset
    (tmp_path / "sap-mb51").write_text('[deliveries.columns]\npo_id = "Order"\n', encoding="utf-8")
    assert read_mapping(tmp_path / "sap-mb51")["deliveries"].columns == {"po_id": "Order"}


def test_an_unknown_preset_name_lists_the_presets_closest_first():
    with pytest.raises(ConfigError) as e:
        read_mapping("sap-mb52")
    msg = str(e.value)
    assert msg.startswith("No mapping file or preset named 'sap-mb52'; ")
    listed = msg.split("one of the presets: ")[1].split(" (")[0].split(", ")
    assert listed[0] == "sap-mb51" and sorted(listed) == sorted(PRESETS)
    with pytest.raises(ConfigError, match=r"Mapping file missing\.toml does not exist"):
        read_mapping("missing.toml")  # a file name stays a file name


def test_a_preset_name_in_another_case_is_the_preset_and_a_bare_unknown_name_lists_them():
    assert read_mapping("SAP-MB51") == read_mapping("sap-mb51")
    with pytest.raises(ConfigError, match=r"No mapping file or preset named 'mb51'; .*one of the presets: sap-mb51"):
        read_mapping("mb51")


def test_a_preset_reads_an_export_without_one_of_its_optional_columns(exports, tmp_path):
    # MB51 layouts differ in their optional columns: a preset cannot be edited, so an absent optional header
    # is left out with a note (a mapping of the user's own still refuses it: tests/ingest/test_no_silent.py)
    frame = exports["sap-mb51"].frame.drop(columns=["Amount in LC"])
    f = tmp_path / "mb51.csv"
    frame.to_csv(f, index=False)
    r = read_table(f, "deliveries", mapping="sap-mb51")
    assert r.rows_rejected == 0 and r.rows_accepted == len(frame) and "value" not in r.data.columns
    assert "not in the file, so not read: value ('Amount in LC')" in r.notes


# ----------------------------------------------------------------- the sample exports


def _expected_reads():
    for name, preset in PRESETS.items():
        for table in preset.tables:
            yield name, table


@pytest.mark.parametrize("name, table", list(_expected_reads()))
def test_each_sample_export_reads_with_its_preset_as_the_records_it_holds(exports, name, table):
    export = exports[name]
    r = read_table(EXPORTS / export.file, table, mapping=name)
    want = export.expected[table]
    assert r.rows_read == len(export.frame) == len(want)
    assert r.rows_rejected == 0 and len(r.rejected) == 0
    assert r.rows_accepted == len(want)
    got = r.data[list(want.columns)].astype(want.dtypes.to_dict())
    assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
    assert not any("headers match the preset" in n for n in r.notes)


def _rates(result, names=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # low-volume suppliers warn
        from supplier_analytics.scorecard import score

        s = score(deliveries=result, as_of="2026-09-30").suppliers.set_index("supplier_id")
    cols = ["on_time_rate_n", "on_time_rate_k", "in_full_rate_n", "in_full_rate_k"]
    out = s[cols].sort_index()
    if names is not None:
        out.index = out.index.map(names)
    return out.sort_index()


@pytest.mark.parametrize(
    "name", ["sap-me80fn", "sap-mb51", "oracle-ebs-receiving", "d365-product-receipts", "odoo-stock-moves"]
)
def test_each_delivery_export_scores_as_the_sample_records_do(sample, exports, name):
    """Same suppliers, same lines on time and in full as the canonical records of the three months (MB51's
    reversed and reposted receipts change nothing; Odoo's suppliers are the vendors' names)."""
    d = sample.deliveries
    canonical = d[d["date_received"] >= pd.Timestamp("2026-07-01")]
    r = read_table(EXPORTS / exports[name].file, "deliveries", mapping=name)
    names = None
    if name == "odoo-stock-moves":
        names = dict(zip(sample.suppliers["supplier_name"], sample.suppliers["supplier_id"]))
    assert_frame_equal(_rates(r, names), _rates(canonical), check_names=False)


def test_the_erpnext_receipts_score_as_deliveries_and_as_inspections(sample, exports):
    path = EXPORTS / exports["erpnext-purchase-receipts"].file
    deliveries = read_table(path, "deliveries", mapping="erpnext-purchase-receipts")
    lots = read_table(path, "inspections", mapping="erpnext-purchase-receipts")
    frame = exports["erpnext-purchase-receipts"].frame
    rejected = pd.to_numeric(frame["Rejected Quantity (Purchase Receipt Item)"])
    assert lots.data["quantity_defective"].sum() == rejected.sum() > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from supplier_analytics.scorecard import score

        card = score(deliveries=deliveries, inspections=lots, as_of="2026-09-30").suppliers
    names = set(sample.suppliers["supplier_name"])
    d = sample.deliveries
    in_window = d.loc[d["date_received"] >= pd.Timestamp("2026-07-01"), "supplier_id"].unique()
    assert set(card["supplier_id"]) <= names
    assert len(card) == len(in_window)
    # a receipt with a rejected quantity is a rejected lot
    per_supplier = frame.assign(rej=rejected > 0).groupby("Supplier")["rej"].agg(["size", "sum"])
    got = card.set_index("supplier_id")[["lot_rejection_rate_n", "lot_rejection_rate_k"]].sort_index()
    assert got["lot_rejection_rate_n"].tolist() == per_supplier["size"].sort_index().tolist()
    assert got["lot_rejection_rate_k"].tolist() == per_supplier["sum"].sort_index().tolist()


# ----------------------------------------------------------------- the note suggesting a preset


@pytest.mark.parametrize("name, table", list(_expected_reads()))
def test_an_export_read_without_a_mapping_names_its_preset(exports, name, table):
    path = EXPORTS / exports[name].file
    assert suggest_preset(table, exports[name].frame.columns) == name
    try:
        r = read_table(path, table)
    except InputError as e:  # the common spellings do not find every required column: the message says it
        assert f'headers match the preset "{name}"' in str(e) and f"--mapping {name}" in str(e)
    else:
        assert f"--mapping {name}" in next(n for n in r.notes if "headers match the preset" in n)


def test_no_preset_is_suggested_for_other_headers(tmp_path):
    path = _csv(
        tmp_path,
        "gr.csv",
        "Vendor;PO Number;Qty Ordered;Promised Date;Receipt Date;Item;Plant\nV1;P1;5;2025-01-31;2025-02-03;10;DE10\n",
    )
    r = read_table(path, "deliveries")
    assert not any("preset" in n for n in r.notes)
    # half of a preset's headers are not enough
    assert suggest_preset("deliveries", ["Material", "Plant", "Purchase Order", "Item", "Posting Date"]) is None
    assert suggest_preset("requests", ["Material", "Plant", "Purchase Order", "Item"]) is None  # no requests preset


# ----------------------------------------------------------------- the mappings command


def test_mappings_lists_the_presets_and_shows_one(capsys):
    assert main(["mappings"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    for name, preset in PRESETS.items():
        line = next(li for li in lines if li.startswith(name + " "))
        assert f"{preset.system} {preset.report}" in line and ", ".join(preset.tables) in line
    assert main(["mappings", "sap-qa32"]) == 0
    shown = capsys.readouterr().out
    assert tomllib.loads(shown) == PRESETS["sap-qa32"].raw() and shown.startswith('# Preset "sap-qa32"')
    assert main(["mappings", "sap-qa31"]) == ConfigError.exit_code
    assert "one of the presets: sap-qa32, " in capsys.readouterr().err


def test_validate_takes_a_preset_name(exports, capsys):
    code = main(["validate", "--inspections", str(EXPORTS / exports["sap-qa32"].file), "--mapping", "sap-qa32"])
    assert code == 0
    assert (
        f"rows read {len(exports['sap-qa32'].frame)} = {len(exports['sap-qa32'].frame)} accepted + 0 rejected"
        in capsys.readouterr().out
    )
    assert main(["validate", "--inspections", str(EXPORTS / "sap_qa32.xlsx"), "--mapping", "sap-qa3"]) == 4
    assert "No mapping file or preset named 'sap-qa3'" in capsys.readouterr().err
