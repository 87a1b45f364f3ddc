"""The one door every explanation and lookalike download goes through, so recording who downloaded what can be
added in one place."""

from __future__ import annotations

import streamlit as st


def offer_download(label: str, data: bytes, file_name: str, mime: str, key: str, primary: bool = False) -> None:
    """A download button for ``data`` (already formula-safe or JSON); the page does not re-run on click."""
    st.download_button(label, data, file_name, mime, key=key, icon=":material/download:", on_click="ignore",
                       type="primary" if primary else "secondary")
