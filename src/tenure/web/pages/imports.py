"""The import page: upload a zip of canonical files, read the validation report, confirm."""

from __future__ import annotations

import secrets
import shutil
import tempfile
import time
import zipfile
from pathlib import Path, PurePosixPath
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import Response

from tenure.errors import ConfigurationError, ImportValidationError, StoreError
from tenure.ingest.batch import preview_folder
from tenure.schema import FILE_SUFFIXES, TABLES
from tenure.web.deps import CurrentUser, StoreDep, Writer, csrf_protect
from tenure.web.pages.render import render

router = APIRouter(tags=["pages"], include_in_schema=False)

MAX_UPLOAD = 2 * 1024**3
MAX_FILES = 50
UPLOAD_TTL = 3600


def _uploads(request: Request) -> dict[str, tuple[Path, int, float]]:
    state = request.app.state
    if not hasattr(state, "uploads"):
        state.uploads = {}
    now = time.time()
    for token, (path, _, created) in list(state.uploads.items()):
        if now - created > UPLOAD_TTL:
            shutil.rmtree(path.parent, ignore_errors=True)
            state.uploads.pop(token, None)
    return state.uploads


def extract(upload: UploadFile, into: Path) -> Path:
    """Unpack a zip of dataset files into ``into`` (flat: only files named by table), safely."""
    folder = into / "dataset"
    folder.mkdir()
    archive = into / "upload.zip"
    with archive.open("wb") as out:
        shutil.copyfileobj(upload.file, out, length=1024 * 1024)
    if archive.stat().st_size > MAX_UPLOAD:
        raise ConfigurationError("the zip is larger than 2 GB; import it with 'tenure import' instead")
    try:
        with zipfile.ZipFile(archive) as z:
            members = [m for m in z.infolist() if not m.is_dir()]
            if len(members) > MAX_FILES:
                raise ConfigurationError(f"the zip holds {len(members)} files; expected at most {MAX_FILES}")
            total = sum(m.file_size for m in members)
            if total > 4 * MAX_UPLOAD:
                raise ConfigurationError("the zip unpacks to more than 8 GB; import it with 'tenure import'")
            for m in members:
                name = PurePosixPath(m.filename).name
                stem, dot, suffix = name.rpartition(".")
                if not dot or f".{suffix.lower()}" not in FILE_SUFFIXES or stem not in TABLES:
                    continue
                with z.open(m) as src, (folder / name).open("wb") as dst:
                    shutil.copyfileobj(src, dst, length=1024 * 1024)
    except zipfile.BadZipFile:
        raise ConfigurationError("the upload is not a zip file; zip the dataset's files and try again") from None
    archive.unlink()
    return folder


@router.get("/import")
def show_import(request: Request, user: CurrentUser) -> Response:
    return render(request, "import.html", report=None, token=None, error=None, done=None)


@router.post("/import", dependencies=[Depends(csrf_protect)])
def upload_dataset(request: Request, store: StoreDep, user: Writer, dataset: UploadFile) -> Response:
    tmp = Path(tempfile.mkdtemp(prefix="tenure-upload-"))
    try:
        folder = extract(dataset, tmp)
        report = preview_folder(store, folder)
    except (ConfigurationError, ImportValidationError) as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        return render(request, "import.html", status_code=422, report=None, token=None, error=str(exc), done=None)
    token = secrets.token_urlsafe(16)
    _uploads(request)[token] = (folder, user.user_id, time.time())
    return render(request, "import.html", report=report, token=token, error=None, done=None)


@router.post("/import/confirm", dependencies=[Depends(csrf_protect)])
def confirm_import(
    request: Request,
    store: StoreDep,
    user: Writer,
    token: Annotated[str, Form(max_length=100)],
    skip_invalid: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    entry = _uploads(request).pop(token, None)
    if entry is None or entry[1] != user.user_id:
        return render(
            request,
            "import.html",
            status_code=404,
            report=None,
            token=None,
            done=None,
            error="That upload has expired or was already imported; upload it again.",
        )
    folder = entry[0]
    try:
        with store.lock:
            report = store.import_folder(folder, skip_invalid=bool(skip_invalid))
    except (ImportValidationError, StoreError, ConfigurationError) as exc:
        return render(request, "import.html", status_code=422, report=None, token=None, error=str(exc), done=None)
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)
    request.app.state.background.refresh()
    return render(request, "import.html", report=None, token=None, error=None, done=report)
