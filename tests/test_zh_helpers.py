"""The helpers Chinese-output tests share (`tests/zh_helpers.py`) find what they should."""

from tests.zh_helpers import english_runs, has_chinese, numbers


def test_english_prose_is_found_and_code_is_not():
    assert english_runs("卷积核 3：the floor keeps 4 rows") == ["the floor keeps"]
    assert english_runs("as in PyTorch's MaxPool2d") == ["as in PyTorch's"]
    assert english_runs("填充 2（输出 5）；⌊(n + 2p − k)/s⌋ + 1，见 `cnncalc solve padding`") == []
    assert english_runs("用法：cnncalc solve stride [OPTIONS]，--max-kernel 7") == []
    assert english_runs("层 conv 8 k=5 p=2", allowed=["conv 8 k=5 p=2"]) == []
    assert english_runs("'same' 填充，\"conv 1 k=3 | conv 1 k=3\"") == []
    assert english_runs("two words") == [] and english_runs("two words", least=2) == ["two words"]


def test_numbers_and_chinese_are_recognised():
    assert numbers("共 1,792 个参数，4.5 不是整数，3×3") == ["1,792", "4.5", "3", "3"]
    assert has_chinese("卷积") and not has_chinese("convolution")
