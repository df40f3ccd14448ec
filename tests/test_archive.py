"""Archive queries (hotstars.io.archive) against a TAP service on 127.0.0.1 (tests/tap_server.py):
synchronous and asynchronous (UWS) jobs with a table upload, jobs that error, refused sizes,
results cut at a row limit, dropped connections and 5xx answers, logins whose password never
reaches a log or a message, atomic results; progress lines (hotstars.io.progress); the
``hotstars`` command line."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from astropy.table import MaskedColumn, Table
from tap_server import TapServer

from hotstars import cli
from hotstars.io import archive, progress

ROOT = Path(__file__).resolve().parents[1]
GAIA_ADQL = ROOT / "config" / "adql" / "gaia_dr3.adql"
N = 60


def no_sleep(seconds):
    pass


@pytest.fixture(scope="module")
def gaia_table():
    """A stand-in gaiadr3.gaia_source (+ ESP-HS) with every column the Gaia query selects;
    ids above 2**53, some parallaxes NULL (the query's WHERE drops them), some RVs NULL."""
    rng = np.random.default_rng(3)
    ids = np.unique(rng.integers(2**58, 2**62, N, dtype=np.int64))
    t = Table({"source_id": ids})
    for name in ("ra", "dec", "l", "b", "parallax", "parallax_error", "pmra", "pmra_error",
                 "pmdec", "pmdec_error", "pmra_pmdec_corr", "ruwe", "phot_g_mean_mag",
                 "radial_velocity", "radial_velocity_error", "grvs_mag", "rv_template_teff",
                 "teff_esphs", "logg_esphs"):
        t[name] = rng.normal(size=len(ids))
    t["phot_g_mean_mag"] = t["phot_g_mean_mag"].astype(np.float32)
    t["parallax"][:4] = np.nan
    t["radial_velocity"] = MaskedColumn(t["radial_velocity"], mask=np.arange(len(ids)) % 3 == 0)
    return t


@pytest.fixture
def server(gaia_table):
    srv = TapServer({"gaiadr3.gaia_source": gaia_table})
    yield srv
    srv.close()


def settings(server, **kw):
    base = dict(url=server.url, wait_s=0.0, poll_s=0.0)
    return archive.Settings(**{**base, **kw})


def expected_rows(table, ids):
    keep = np.isin(table["source_id"], ids) & ~np.isnan(np.asarray(table["parallax"]))
    return table[keep]


def assert_same_rows(got, want):
    got = got[np.argsort(got["source_id"])]
    want = want[np.argsort(want["source_id"])]
    assert got["source_id"].dtype.kind == "i" and got["source_id"].dtype.itemsize == 8
    assert list(got["source_id"]) == list(want["source_id"])
    for name in want.colnames:
        a, b = np.ma.filled(got[name], np.nan), np.ma.filled(want[name], np.nan)
        np.testing.assert_array_equal(np.asarray(a, float), np.asarray(b, float), err_msg=name)
    assert np.asarray(got["radial_velocity"].mask).sum() == np.asarray(
        want["radial_velocity"].mask).sum()


def no_debris(folder: Path):
    return not [p.name for p in folder.iterdir() if p.name.endswith(".part")]


# --- the query text ------------------------------------------------------------------------------

def test_query_files_upload_the_ids_instead_of_a_user_table():
    text = archive.upload_query(GAIA_ADQL.read_text())
    assert "TAP_UPLOAD.mwm_ob_ids AS ids" in text and "user_" not in text and "--" not in text
    assert text.startswith("SELECT g.source_id")
    with pytest.raises(archive.ArchiveQueryError, match="q.adql: the query joins no table"):
        archive.upload_query("SELECT * FROM gaiadr3.gaia_source", "q.adql")


# --- synchronous and asynchronous jobs -----------------------------------------------------------

def test_a_short_list_is_one_synchronous_query_with_the_ids_uploaded(server, gaia_table, tmp_path):
    ids = np.asarray(gaia_table["source_id"][:40])
    dest = tmp_path / "gaia.fits"
    rows = archive.query_to_file(GAIA_ADQL, ids, dest, settings(server), sleep=no_sleep)
    assert server.kinds() == ["sync"]
    got = Table.read(dest)
    want = expected_rows(gaia_table, ids)
    assert rows == len(got) == len(want) == 36  # four NULL parallaxes left out by the WHERE
    assert_same_rows(got, want)
    assert no_debris(tmp_path)


def test_a_long_list_runs_as_asynchronous_jobs_of_chunk_ids(server, gaia_table, tmp_path):
    ids = np.asarray(gaia_table["source_id"])
    server.exec_polls = 3
    dest = tmp_path / "gaia.fits"
    archive.query_to_file(GAIA_ADQL, ids, dest, settings(server, sync_max_ids=10, chunk_ids=25),
                          sleep=no_sleep)
    kinds = server.kinds()
    assert kinds.count("async") == 2 and kinds.count("sync") == 1  # 25 + 25 async, 10 sync
    assert kinds.count("result") == 2 and len(server.deleted) == 2 and not server.jobs
    assert kinds.count("phase") >= 2 * 3  # polled while EXECUTING
    assert_same_rows(Table.read(dest), expected_rows(gaia_table, ids))


def test_async_and_sync_give_the_same_file(server, gaia_table, tmp_path):
    ids = np.asarray(gaia_table["source_id"])
    archive.query_to_file(GAIA_ADQL, ids, tmp_path / "a.fits", settings(server, sync_max_ids=1),
                          sleep=no_sleep)
    archive.query_to_file(GAIA_ADQL, ids, tmp_path / "s.fits", settings(server), sleep=no_sleep)
    a, s = Table.read(tmp_path / "a.fits"), Table.read(tmp_path / "s.fits")
    assert a.colnames == s.colnames and len(a) == len(s)
    assert_same_rows(a, s)


# --- errors the service reports ------------------------------------------------------------------

def test_a_job_that_errors_stops_with_the_services_message_and_is_not_retried(server, tmp_path):
    adql = tmp_path / "bad.adql"
    adql.write_text("SELECT x.source_id FROM TAP_UPLOAD.mwm_ob_ids AS i "
                    "JOIN gaiadr3.no_such_table AS x ON x.source_id = i.source_id")
    for kw, kind in (({"sync_max_ids": 1}, "async"), ({}, "sync")):
        server.requests.clear()
        with pytest.raises(archive.ArchiveQueryError) as info:
            archive.query_to_file(adql, [1, 2, 3], tmp_path / "x.fits", settings(server, **kw),
                                  sleep=no_sleep)
        assert "Table 'gaiadr3.no_such_table' not found" in str(info.value)
        assert "x.fits (bad.adql)" in str(info.value) and server.url in str(info.value)
        assert server.kinds().count(kind) == 1
    assert not (tmp_path / "x.fits").exists() and no_debris(tmp_path)


@pytest.mark.parametrize("sync_max_ids", [1000, 1])
def test_a_refused_upload_size_is_a_quota_error_with_what_to_do(server, gaia_table, tmp_path,
                                                                sync_max_ids):
    server.upload_limit = 20
    with pytest.raises(archive.ArchiveQuotaError) as info:
        archive.query_to_file(GAIA_ADQL, gaia_table["source_id"], tmp_path / "g.fits",
                              settings(server, sync_max_ids=sync_max_ids), sleep=no_sleep)
    text = str(info.value)
    assert "exceeds the limit of 20 rows" in text and "lower data.archive.chunk_ids" in text
    assert not (tmp_path / "g.fits").exists()
    # a smaller chunk passes under the same limit
    archive.query_to_file(GAIA_ADQL, gaia_table["source_id"], tmp_path / "g.fits",
                          settings(server, sync_max_ids=sync_max_ids, chunk_ids=20),
                          sleep=no_sleep)
    assert len(Table.read(tmp_path / "g.fits")) == len(expected_rows(gaia_table,
                                                                     gaia_table["source_id"]))


def test_a_result_cut_at_the_row_limit_is_an_error_not_a_short_file(server, gaia_table, tmp_path):
    server.row_limit = 10
    with pytest.raises(archive.ArchiveQuotaError, match=r"cut at its row limit \(10 rows\)"):
        archive.query_to_file(GAIA_ADQL, gaia_table["source_id"], tmp_path / "g.fits",
                              settings(server), sleep=no_sleep)
    assert not (tmp_path / "g.fits").exists()


def test_rows_are_checked_against_the_uploaded_ids():
    ids = np.array([5, 6, 7], np.int64)
    archive.check_rows(Table({"source_id": [5, 7]}), ids, "f")
    with pytest.raises(archive.ArchiveQueryError, match="f: 1 returned source_id values were not "
                                                        r"uploaded \(e.g. 9\)"):
        archive.check_rows(Table({"source_id": [5, 9]}), ids, "f")
    with pytest.raises(archive.ArchiveQueryError, match="come back more than once"):
        archive.check_rows(Table({"source_id": [5, 5]}), ids, "f")
    with pytest.raises(archive.ArchiveQueryError, match="none of the 3 uploaded ids has a row"):
        archive.check_rows(Table({"source_id": np.zeros(0, np.int64)}), ids, "f")
    with pytest.raises(archive.ArchiveQueryError, match="no column 'source_id'"):
        archive.check_rows(Table({"id": [5]}), ids, "f")


# --- transient failures --------------------------------------------------------------------------

def test_dropped_connections_and_busy_answers_are_retried(server, gaia_table, tmp_path, caplog):
    ids = np.asarray(gaia_table["source_id"])
    server.drop = {"result": [200], "sync": [100]}
    server.fail.update({"phase": 2, "async": 1})
    caplog.set_level(logging.INFO)
    archive.query_to_file(GAIA_ADQL, ids, tmp_path / "g.fits",
                          settings(server, sync_max_ids=30, chunk_ids=40), sleep=no_sleep)
    assert_same_rows(Table.read(tmp_path / "g.fits"), expected_rows(gaia_table, ids))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("connection lost after" in w or "connection closed after" in w for w in warnings)
    assert any("HTTP 503" in w and "attempt 1 of 4" in w for w in warnings)
    assert no_debris(tmp_path)


def test_a_connection_dropped_every_time_gives_up_and_writes_nothing(server, gaia_table,
                                                                     tmp_path):
    server.drop = {"sync": [50] * 10}
    waits = []
    with pytest.raises(archive.ArchiveError, match="gave up after 3 attempts"):
        archive.query_to_file(GAIA_ADQL, gaia_table["source_id"], tmp_path / "g.fits",
                              settings(server, attempts=3, wait_s=2.0), sleep=waits.append)
    assert waits == [2.0, 4.0]  # doubling waits between the three attempts
    assert server.kinds() == ["sync"] * 3
    assert not (tmp_path / "g.fits").exists() and no_debris(tmp_path)


def test_offline_service_is_an_archive_error_naming_the_url(tmp_path):
    from test_download import closed_port_url

    url = closed_port_url() + "/tap"
    with pytest.raises(archive.ArchiveError, match=url.replace(".", r"\.")):
        archive.query_to_file(GAIA_ADQL, [1], tmp_path / "g.fits",
                              archive.Settings(url=url, attempts=2, wait_s=0), sleep=no_sleep)


# --- credentials ---------------------------------------------------------------------------------

SECRET = "s3cr3t-Pa55"


def test_login_from_the_environment_and_the_password_is_never_shown(server, gaia_table, tmp_path,
                                                                    caplog, capsys):
    server.login = ("astro", SECRET)
    env = {archive.USER_ENV: "astro", archive.PASSWORD_ENV: SECRET}
    creds = archive.find_credentials(environ=env, url=server.url)
    assert SECRET not in repr(creds) and SECRET not in str(creds)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("hotstars").info("a log line quoting it: %s", SECRET)  # before the client
    ids = np.asarray(gaia_table["source_id"])
    archive.query_to_file(GAIA_ADQL, ids, tmp_path / "g.fits", settings(server, sync_max_ids=5),
                          creds, sleep=no_sleep)
    assert server.kinds()[0] == "login"
    assert all(r.cookie for r in server.requests[1:])  # every later request in the session
    with pytest.raises(archive.ArchiveError, match="failed") as info:  # a wrong password
        archive.query_to_file(GAIA_ADQL, ids, tmp_path / "h.fits", settings(server),
                              archive.Credentials("astro", SECRET + "x"), sleep=no_sleep)
    assert SECRET not in str(info.value) and "login at" in str(info.value)
    # a record logged while a client is open is redacted; the product holds no password
    with archive.Client(settings(server), creds, sleep=no_sleep):
        logging.getLogger("hotstars.io.archive").warning("oops %s", SECRET)
    logged = [r.getMessage() for r in caplog.records]
    assert "oops ***" in logged
    assert SECRET not in "".join(logged[1:]) + "".join(capsys.readouterr())
    assert SECRET.encode() not in (tmp_path / "g.fits").read_bytes()


def test_without_login_a_service_that_wants_one_says_how(server, tmp_path):
    server.login = ("astro", SECRET)
    with pytest.raises(archive.ArchiveError, match="HOTSTARS_ARCHIVE_USER"):
        archive.query_to_file(GAIA_ADQL, [1], tmp_path / "g.fits", settings(server),
                              sleep=no_sleep)


def test_credentials_files_outside_the_workflow_only(tmp_path, monkeypatch):
    outside = tmp_path / "home" / "archive.netrc"
    outside.parent.mkdir()
    outside.write_text(f"machine gea.esac.esa.int login astro password {SECRET}\n")
    outside.chmod(0o600)
    creds = archive.find_credentials(str(outside), environ={}, workdir=tmp_path / "workflow")
    assert (creds.user, creds.password) == ("astro", SECRET)
    inside = tmp_path / "workflow" / "archive.netrc"
    inside.parent.mkdir()
    inside.write_text(outside.read_text())
    with pytest.raises(archive.ArchiveError, match="inside the workflow folder") as info:
        archive.find_credentials(str(inside), environ={}, workdir=tmp_path / "workflow")
    assert SECRET not in str(info.value)
    with pytest.raises(archive.ArchiveError, match="only one is set"):
        archive.find_credentials(None, environ={archive.USER_ENV: "astro"})
    with pytest.raises(archive.ArchiveError, match="no 'machine gea.esac.esa.int"):
        other = tmp_path / "home" / "other.netrc"
        other.write_text("machine example.org login a password b\n")
        archive.find_credentials(str(other), environ={}, workdir=tmp_path / "workflow")
    assert archive.find_credentials(None, environ={}) is None


# --- the upload table ----------------------------------------------------------------------------

def test_source_ids_are_the_carton_stars_bossnet_dr3_ids(tmp_path):
    import pandas as pd

    spall = pd.DataFrame({"sdss_id": [1, 1, 2]})
    bossnet = pd.DataFrame({"sdss_id": [1, 2, 2, 3, 4],
                            "gaia_dr3_source_id": [2**60 + 1, 2**60 + 2, 2**60 + 2, 2**60 + 3, -1]})
    ids = archive.source_ids(spall, bossnet)
    assert ids.tolist() == [2**60 + 1, 2**60 + 2]  # star 3 not in the carton; no id: left out
    archive.write_source_ids(ids, tmp_path / "ids.vot")
    assert archive.read_source_ids(tmp_path / "ids.vot").tolist() == ids.tolist()


# --- progress ------------------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def test_progress_lines_give_amount_rate_and_time_left_at_intervals(caplog):
    clock = Clock()
    caplog.set_level(logging.INFO)
    p = progress.Progress("spAll.fits.gz", total=4e9, every=10, start=1e9, clock=clock)
    for _ in range(30):  # 100 MB per second, a chunk every second
        clock.t += 1
        p.update(1e8)
    p.done()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 4  # every 10 s, and the last one
    assert lines[0] == ("spAll.fits.gz: 2.0 GB of 4.0 GB (50 %), 100.0 MB/s, "
                        "about 20 s left, 10 s elapsed")
    assert lines[-1].startswith("spAll.fits.gz: 4.0 GB of 4.0 GB (100 %), 100.0 MB/s")
    assert lines[-1].endswith("(done)")
    rows = progress.Progress("job", unit="rows", clock=clock)
    clock.t += 4
    rows.update(12345)
    assert rows.text() == "job: 12,345 rows, 3,086 rows per s, 4 s elapsed"
    assert progress.duration_text(3725) == "1 h 02 min"


def test_downloads_log_their_progress(tmp_path, caplog):
    from test_download import FixtureServer

    from hotstars.io import download

    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "f.bin").write_bytes(b"x" * 3_000_000)
    srv = FixtureServer(tmp_path / "www")
    caplog.set_level(logging.INFO)
    try:
        download.fetch(f"{srv.url}/f.bin", tmp_path / "f.bin")
    finally:
        srv.close()
    done = [r.getMessage() for r in caplog.records if r.getMessage().endswith("(done)")]
    assert len(done) == 1 and done[0].startswith("f.bin: 3.0 MB of 3.0 MB (100 %)")


def test_async_jobs_report_their_phase(server, gaia_table, tmp_path, caplog):
    server.exec_polls = 2
    caplog.set_level(logging.INFO)
    archive.query_to_file(GAIA_ADQL, gaia_table["source_id"], tmp_path / "g.fits",
                          settings(server, sync_max_ids=1), sleep=no_sleep)
    lines = [r.getMessage() for r in caplog.records]
    assert any(": EXECUTING after" in line for line in lines)
    assert any(": COMPLETED after" in line for line in lines)
    assert any("result:" in line and "(done)" in line for line in lines)


# --- the command line ----------------------------------------------------------------------------

def test_command_line_query_and_source_ids(server, gaia_table, tmp_path, capsys):
    ids = tmp_path / "ids.vot"
    archive.write_source_ids(gaia_table["source_id"][:30], ids)
    cli.main(["query", str(GAIA_ADQL), str(ids), str(tmp_path / "g.fits"), "--url", server.url])
    assert capsys.readouterr().out.strip() == f"{len(Table.read(tmp_path / 'g.fits'))} rows " \
                                              f"written to {tmp_path / 'g.fits'}"
    with pytest.raises(SystemExit) as info:
        cli.main(["query", str(GAIA_ADQL), str(tmp_path / "none.vot"), str(tmp_path / "x.fits")])
    assert info.value.code == 1
    assert "hotstars query: error:" in capsys.readouterr().err


def test_console_script_help_names_every_command():
    exe = Path(sys.executable).with_name("hotstars")
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True).stdout
    for command in ("source-ids", "query", "fetch", "provenance"):
        assert f"    {command}" in out
    assert "snakemake --cores 2" in out


# --- a query without an upload: the OB target sample --------------------------------------------

OB_ADQL = ROOT / "config" / "adql" / "z21_ob_sample.adql"


@pytest.fixture
def whole_sky():
    """A stand-in Gaia DR3 table holding every column the OB-sample query selects; the service
    answers its rows without any upload (NULL Ks rows dropped by the query's IS NOT NULL)."""
    rng = np.random.default_rng(5)
    ids = np.unique(rng.integers(2**58, 2**62, 300, dtype=np.int64))
    t = Table({"source_id": ids})
    for name in ("ra", "dec", "l", "b", "parallax", "parallax_error", "phot_g_mean_mag", "j_m",
                 "h_m", "ks_m", "r_med_photogeo"):
        t[name] = rng.normal(size=len(ids))
    t["ks_m"][:7] = np.nan
    srv = TapServer({"gaiadr3.gaia_source": t})
    yield srv, t
    srv.close()


def test_a_query_without_upload_runs_as_one_job_and_keeps_every_row(whole_sky, tmp_path):
    server, table = whole_sky
    assert not archive.uses_upload(OB_ADQL.read_text())
    assert archive.uses_upload(GAIA_ADQL.read_text())
    dest = tmp_path / "z21_ob_sample.fits"
    n = archive.query_to_file(OB_ADQL, np.array([1, 2, 3]), dest, settings(server),
                              sleep=no_sleep)
    got = Table.read(dest)
    assert n == len(got) == len(table) - 7  # the ids are not uploaded, nothing is filtered by them
    assert set(got.colnames) == set(table.colnames)
    assert server.kinds().count("async") == 1 and "sync" not in server.kinds()
    assert no_debris(tmp_path)


def test_a_query_without_upload_refuses_repeated_ids_and_overflow(whole_sky, tmp_path):
    server, table = whole_sky
    table["source_id"][11] = table["source_id"][10]  # rows kept by the query (Ks not NULL)
    dest = tmp_path / "z21_ob_sample.fits"
    with pytest.raises(archive.ArchiveQueryError, match="more than once"):
        archive.query_to_file(OB_ADQL, None, dest, settings(server), sleep=no_sleep)
    assert not dest.exists() and no_debris(tmp_path)
    server.row_limit = 50
    with pytest.raises(archive.ArchiveQuotaError, match="row limit"):
        archive.query_to_file(OB_ADQL, None, dest, settings(server), sleep=no_sleep)
    assert not dest.exists() and no_debris(tmp_path)
