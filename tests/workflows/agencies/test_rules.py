"""Unified social credit code validation per GB 32100-2015 and GB 11714-1997 (SPEC §3)."""

from __future__ import annotations

import pytest

from engine.errors import InvalidInput
from workflows.agencies.rules import (
    USCC_CHARSET,
    org_code_check_char,
    uscc_check_char,
    validate_owner_uscc,
    validate_uscc,
)

# Published codes of real organisations; each passes both check characters, which a random
# 18-character string does with probability 1/341.
REAL_CODES = [
    "91350100M000100Y43",  # example code of the brief, organisation code M000100Y4
    "91440300708461136T",  # 深圳市腾讯计算机系统有限公司
    "914403001922038216",  # 华为技术有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    "91110000802100433B",  # 百度在线网络技术（北京）有限公司
    "91110000710925462X",  # 中国石油天然气股份有限公司: check character X
    "91110000600037341L",  # python-stdnum's doctest example
    "9115220107837757XE",  # organisation-code check character X (python-stdnum test list)
    "91152201078382010M",  # organisation-code check character 0 (python-stdnum test list)
    "91620105L015101280",  # USCC check character 0 (python-stdnum test list)
    "91310115MA1K3BTP2B",  # post-2015 MA… subject code
    "92340621MA2UK3PJXE",  # 个体工商户 (category 2 under department 9)
    "121200004013590816",  # 事业单位 (department 1, category 2)
]


class TestCheckCharacters:
    def test_charset_excludes_i_o_z_s_v(self) -> None:
        assert len(USCC_CHARSET) == 31
        assert not set("IOZSV") & set(USCC_CHARSET)

    def test_uscc_check_char_by_hand(self) -> None:
        # 91350100M000100Y4 with M = 21, Y = 30:
        # 9·1 + 1·3 + 3·9 + 5·27 + 1·26 + 21·20 + 1·8 + 30·30 + 4·28 = 1640; 1640 mod 31 = 28; 31 - 28 = 3.
        assert uscc_check_char("91350100M000100Y4") == "3"

    def test_org_code_check_char_by_hand(self) -> None:
        # M(22)·3 + 1·5 + Y(34)·2 = 139, 139 mod 11 = 7, 11 - 7 = 4.
        assert org_code_check_char("M000100Y") == "4"
        assert org_code_check_char("07837757") == "X"
        assert org_code_check_char("07838201") == "0"

    def test_helpers_reject_bad_shapes(self) -> None:
        with pytest.raises(ValueError, match="17 characters"):
            uscc_check_char("9135")
        with pytest.raises(ValueError, match="8 digits"):
            org_code_check_char("m000100y")


class TestValidateUscc:
    @pytest.mark.parametrize("code", REAL_CODES)
    def test_real_codes_accepted(self, code: str) -> None:
        assert validate_uscc(code) == code

    def test_normalised(self) -> None:
        assert validate_uscc("  91350100m000100y43\n") == "91350100M000100Y43"
        assert validate_uscc("９１３５０１００Ｍ０００１００Ｙ４３") == "91350100M000100Y43"  # full-width

    @pytest.mark.parametrize("code", REAL_CODES)
    def test_every_single_character_change_rejected(self, code: str) -> None:
        for position in range(18):
            for replacement in USCC_CHARSET:
                if replacement == code[position]:
                    continue
                corrupted = code[:position] + replacement + code[position + 1 :]
                if position < 2:
                    # Positions 1-2 are covered by the final check character alone.
                    with pytest.raises(InvalidInput, match="GB 32100"):
                        validate_uscc(corrupted)
                else:
                    with pytest.raises(InvalidInput):
                        validate_uscc(corrupted)

    def test_adjacent_transposition_rejected(self) -> None:
        code = "91440300708461136T"
        swapped = code[:9] + code[10] + code[9] + code[11:]
        assert swapped != code
        with pytest.raises(InvalidInput):
            validate_uscc(swapped)

    def test_wrong_final_check(self) -> None:
        with pytest.raises(InvalidInput, match="GB 32100") as exc:
            validate_uscc("91350100M000100Y44", field="agency_uscc")
        assert exc.value.field == "agency_uscc"
        assert "校验位" in exc.value.message
        assert exc.value.status_code == 422

    def test_wrong_org_code_check(self) -> None:
        # Position 17 changed and position 18 recomputed: only GB 11714 catches it.
        body = "91350100M000100Y5"
        code = body + uscc_check_char(body)
        with pytest.raises(InvalidInput, match="GB 11714"):
            validate_uscc(code)

    @pytest.mark.parametrize("code", ["", "91350100M000100Y4", "91350100M000100Y433"])
    def test_wrong_length(self, code: str) -> None:
        with pytest.raises(InvalidInput, match="18"):
            validate_uscc(code)

    @pytest.mark.parametrize("letter", ["I", "O", "Z", "S", "V", "-", "*"])
    def test_forbidden_characters(self, letter: str) -> None:
        with pytest.raises(InvalidInput, match="非法字符"):
            validate_uscc("91350100M000100" + letter + "43")

    def test_division_code_must_be_digits(self) -> None:
        body = "913501A0M000100Y4"
        with pytest.raises(InvalidInput, match="3-8"):
            validate_uscc(body + uscc_check_char(body))


class TestValidateOwnerUscc:
    @pytest.mark.parametrize("code", [None, "", "   ", "NULL", "null", " Null "])
    def test_non_enterprise_units(self, code: str | None) -> None:
        assert validate_owner_uscc(code) is None

    def test_enterprise_code_checked(self) -> None:
        assert validate_owner_uscc("914403001922038216") == "914403001922038216"
        with pytest.raises(InvalidInput) as exc:
            validate_owner_uscc("914403001922038217", field="owner_uscc")
        assert exc.value.field == "owner_uscc"
