"""Bank statements as Belgian banks write them, for the tests: CODA 2.x records."""

from __future__ import annotations

HEADER = ("0000016032672505        00000000  BIN CENTRUM               GKCCBEBB   "
          "00000000000 00000                                       2").ljust(128)
OLD_BALANCE = ("10001BE71096123456769                  EUR0000000000010000150326BIN CENTRUM"
               "               REKENING                           001").ljust(128)
NEW_BALANCE = "8001BE71096123456769                  EUR0000000000010000150326".ljust(128)
TRAILER = ("9               000012000000000002500000000000010000" + " " * 43 + "2").ljust(128)


def coda_21(seq: int, cents: int, communication: str, structured: bool, debit=False,
            day: str = "150326") -> str:
    """A movement record 2.1: sign, amount (3 decimals), dates, the communication, with
    type 101 when it is a structured one."""
    comm = ("101" + communication).ljust(53) if structured else communication.ljust(53)
    record = ("21" + f"{seq:04d}" + "0000" + "REF".ljust(21) + ("1" if debit else "0")
              + f"{cents * 10:015d}" + day + "00150000" + ("1" if structured else "0")
              + comm + day + "001" + "0" + "1" + " " + "0")
    assert len(record) == 128
    return record


def coda_23(seq: int, name: str) -> str:
    """Record 2.3: the counterparty's account and name."""
    record = ("23" + f"{seq:04d}" + "0000" + "BE71096123456769".ljust(37) + name.ljust(35)
              + "".ljust(43) + "  " + "0")
    assert len(record) == 128
    return record


def coda(*movements: str) -> bytes:
    """A whole statement file around `movements` (records 2.x), as a bank exports it."""
    return "\n".join([HEADER, OLD_BALANCE, *movements, NEW_BALANCE, TRAILER]).encode("latin-1")
