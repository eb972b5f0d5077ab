"""Which attachments are quarantined: executables and scripts, by the name's extension, the declared
type, or the first bytes of the content (a renamed program is still a program). Pure, no I/O."""

from __future__ import annotations

import unicodedata

# Programs, scripts and the containers and shortcuts that run them on a click (Windows, macOS, Linux,
# Android, Java, Office macros).
EXTENSIONS = frozenset(
    [
        "exe",
        "com",
        "bat",
        "cmd",
        "scr",
        "pif",
        "msi",
        "msp",
        "mst",
        "dll",
        "cpl",
        "sys",
        "drv",
        "ocx",
        "js",
        "jse",
        "vbs",
        "vbe",
        "wsf",
        "wsh",
        "wsc",
        "ws",
        "ps1",
        "ps1xml",
        "ps2",
        "psc1",
        "psm1",
        "psd1",
        "sh",
        "bash",
        "zsh",
        "ksh",
        "csh",
        "command",
        "run",
        "bin",
        "elf",
        "out",
        "app",
        "apk",
        "jar",
        "class",
        "hta",
        "lnk",
        "url",
        "scf",
        "inf",
        "reg",
        "gadget",
        "msc",
        "application",
        "appref-ms",
        "vb",
        "vba",
        "xll",
        "xlam",
        "docm",
        "dotm",
        "xlsm",
        "pptm",
        "ppam",
        "iso",
        "img",
        "vhd",
        "vhdx",
        "dmg",
        "pkg",
        "mpkg",
        "deb",
        "rpm",
        "py",
        "pyc",
        "pyw",
        "pl",
        "rb",
        "php",
        "cgi",
        "chm",
        "ace",
        "settingcontent-ms",
    ]
)

DECLARED_TYPES = frozenset(
    [
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-executable",
        "application/x-elf",
        "application/x-sharedlib",
        "application/x-mach-binary",
        "application/x-dosexec",
        "application/vnd.microsoft.portable-executable",
        "application/x-sh",
        "application/x-shellscript",
        "application/x-csh",
        "application/x-bat",
        "application/x-msi",
        "application/x-ms-installer",
        "application/java-archive",
        "application/x-java-archive",
        "application/x-java-applet",
        "application/javascript",
        "application/x-javascript",
        "text/javascript",
        "application/ecmascript",
        "text/vbscript",
        "application/x-vbscript",
        "application/hta",
        "application/x-ms-shortcut",
        "application/vnd.android.package-archive",
        "application/x-python-code",
        "text/x-python",
        "text/x-shellscript",
        "text/x-sh",
        "application/x-perl",
        "application/x-php",
        "application/x-apple-diskimage",
        "application/x-iso9660-image",
    ]
)

# first bytes of programs: PE (MZ), ELF, Mach-O (both byte orders, 32/64, universal), Java class, shebang
MAGIC = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)

SNIFF_BYTES = 16


def _extension(filename: str) -> str:
    # drop the format characters (bidi overrides: "invoice\u202efdp.exe" shows as "invoiceexe.pdf")
    # and the trailing dots and spaces Windows ignores ("tool.exe. " runs as tool.exe)
    visible = "".join(c for c in filename if unicodedata.category(c) != "Cf").rstrip(". ")
    name = visible.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]
    return name.rpartition(".")[2].casefold() if "." in name else ""


def quarantine_reason(filename: str | None, content_type: str, head: bytes) -> str | None:
    """Why the attachment is quarantined (extension, declared_type, content), or None when it is not."""
    if filename and _extension(filename) in EXTENSIONS:
        return "extension"
    if content_type.casefold() in DECLARED_TYPES:
        return "declared_type"
    if head.startswith(MAGIC):
        return "content"
    return None
