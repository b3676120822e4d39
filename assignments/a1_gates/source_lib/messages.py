"""Student-facing messages in English and Korean.

``message(key, lang, **fields)`` formats one message. Both catalogues hold the same
keys (a test checks it). The language comes from course.toml's ``language`` for the
grader and from the BACKPROP_LAB_LANG environment variable for the public checks.

A Korean message writes a particle in both forms after a field, ``{what}이(가)``;
``with_particles`` then keeps the one the word before it takes (``AddGate.forward가``,
``neuron이``, ``x를``), by the rule of ``takes_final_consonant``.
"""

import os
import re

EN = {
    "not_implemented": "{what} is not implemented yet (it still raises NotImplementedError).",
    "raised": "{what} raised {error}",
    "timeout": "{what} did not finish within {seconds:g} s (an infinite loop, or far too slow). The test was stopped.",
    "part_budget": "Not run: earlier checks of this part used up its time budget of {seconds:g} s.",
    "memory": "{what} used more than the memory limit of {limit_mb} MB. The test was stopped.",
    "crashed": "The process running your code stopped during {what} ({detail}). Calls such as exit(), os._exit() or a crash of Python end the test.",
    "import_failed": "Your file {file} could not be imported: {error}",
    "missing_file": "The submission has no {file}.",
    "missing_in_notebook": "{notebook} holds no cells of {file}: submit the assignment's notebook, saved as a valid .ipynb (or {file} itself).",
    "missing_name": "{file} does not define {name}.",
    "graded_untouched_stub": "{file}: graded from {graded}; the other copies are the released stub, untouched.",
    "graded_most_complete": "{file}: graded from {graded}, the copy with the fewest `raise NotImplementedError` left (several copies were edited).",
    "graded_py_on_tie": "{file}: graded from {graded}: several edited copies have as few `raise NotImplementedError` left, and then the .py file (else the first notebook by name) is graded.",
    "wrong_type": "{what} returned {got}; expected {expected}.",
    "wrong_shape": "{what} has shape {got}; expected shape {expected} (the shape of {like}).",
    "wrong_dtype": "{what} has dtype {got}; expected float64.",
    "not_a_float": "{what} has the right value but returned {got}; the docstring asks for a float (float(...) of it).",
    "nonfinite": "{what} contains NaN or inf.",
    "mismatch": "{what} differs from the expected values: worst element {index}: got {got:.6g}, expected {expected:.6g} (relative error {err:.2e}, tolerance {tol:.0e}).",
    "gradcheck_failed": "{what} disagrees with the numerical gradient of your own forward: worst element {index}: backward gave {got:.6g}, centred differences give {expected:.6g} (relative error {err:.2e}, tolerance {tol:.0e}).",
    "directional_failed": "{what} disagrees with the numerical gradient of your own forward along a random direction: backward gives {got:.6g}, centred differences give {expected:.6g} (relative error {err:.2e}).",
    "mutated": "{what} modified its argument {arg}. forward and backward must not change their inputs or dout; copy before changing an array.",
    "mutated_cached": "{what} modified {arg}, the array given to forward (which forward cached without copying). backward must not change what forward was given; copy before changing an array.",
    "mutated_output": "{what} modified the array forward returned earlier, which the caller still holds (the next layer's input, say). backward must not change it; compute into a new array.",
    "warning_raised": "{what} raised a numpy warning: {warning}. Use a numerically stable formula.",
    "mask_mismatch": "{what}: {count} of {total} units differ from the expected mask (first at index {index}: got {got}, expected {expected}).",
    "not_in_place": "{what} did not change {arg} in place: update the caller's arrays (p -= ..., p[...] = ...) instead of assigning new ones.",
    "final_loss": "{what}: after {steps} steps the loss is {got:.6g}; the reference reaches {expected:.6g}.",
    "batch_count": "{what} gave {got} batches; expected {expected} for N = {n} and batch_size = {batch_size} (the last, smaller batch is used too).",
    "labels_mismatch": "{what}: the labels do not belong to the rows of Xb (shuffle X and y with the same permutation).",
    "accuracy": "{what}: the trained model's accuracy on held-out data is {got:.3f}; at least {expected:.3f} is expected.",
    "pattern_nonfinite": "It contains NaN or inf.",
    "pattern_transposed": "It looks transposed.",
    "pattern_zero": "It is all zeros.",
    "pattern_sign": "It has the wrong sign.",
    "pattern_times_n": "It is N = {n} times too large: did you forget to divide by the batch size?",
    "pattern_divided_n": "It is N = {n} times too small: a mean where a sum is due, or one division by the batch size too many?",
    "pattern_factor": "It is off by a constant factor of {factor:.4g}.",
    "pattern_summed": "It is N = {n} times too large: a sum where the mean is due?",
    "pattern_biased_variance": "It is what the biased batch variance gives: the running variance takes the unbiased one, var * N / (N - 1).",
    "pattern_slope_at_zero": "The gradient at exactly x = 0 is wrong: the docstring fixes the derivative there.",
    "pattern_leak": "It is right where the expected gradient is non-zero but not zero elsewhere.",
    "pattern_eps_under_root": "These are the steps eps inside the square root gives, g / sqrt(s + eps): eps belongs outside it, g / (sqrt(s) + eps).",
    "pattern_folded_bias_correction": "These are the steps of the bias correction folded into the step size, lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps), which scales eps by sqrt(1 - beta2^t): correct m and v themselves, then divide by sqrt(v_hat) + eps.",
    "grader_failed": "The grader failed while grading this submission, so it has no score yet. This is a fault of the grader, not of your code: please tell your instructor.",
    "forward_first": "Not judged, so no points: this check compares your code with itself, which only counts once forward computes the documented function on its inputs (up to a constant factor, a small eps or a known variant of it), and it does not: {detail}",
    "stable_wrong_values": "On these extreme inputs forward does not give the reference's values (nor a constant multiple of them): {detail}",
    "pattern_forward_not_documented": "Your backward gives the reference's gradient here, so it is forward that is not the documented function: its numerical gradient is what differs.",
    "stand_ins": "{part} is graded with the grader's own {names} in place of yours, so a mistake in those costs points only in their own parts.",
    "passed": "passed",
    "same_as_above": "(same as above)",
    "part_summary": "{part}: {score:g} / {max_score:g}",
}

KO = {
    "not_implemented": "{what}이(가) 아직 구현되지 않았습니다 (여전히 NotImplementedError를 발생시킵니다).",
    "raised": "{what}에서 예외가 발생했습니다: {error}",
    "timeout": "{what}이(가) {seconds:g}초 안에 끝나지 않았습니다 (무한 루프이거나 너무 느립니다). 테스트를 중단했습니다.",
    "part_budget": "실행하지 않음: 이 파트의 앞선 검사들이 시간 예산 {seconds:g}초를 모두 사용했습니다.",
    "memory": "{what}이(가) 메모리 한도 {limit_mb} MB를 넘었습니다. 테스트를 중단했습니다.",
    "crashed": "{what} 실행 중 코드를 실행하던 프로세스가 멈췄습니다 ({detail}). exit(), os._exit() 호출이나 Python의 비정상 종료는 테스트를 끝냅니다.",
    "import_failed": "제출한 파일 {file}을(를) import할 수 없습니다: {error}",
    "missing_file": "제출물에 {file}이(가) 없습니다.",
    "missing_in_notebook": "{notebook}에 {file}의 셀이 없습니다: 과제 노트북을 올바른 .ipynb로 저장해 제출하세요({file} 파일을 직접 제출해도 됩니다).",
    "missing_name": "{file}에 {name}이(가) 정의되어 있지 않습니다.",
    "graded_untouched_stub": "{file}: {graded}의 코드를 채점했습니다. 나머지 사본은 배포된 스텁 그대로입니다.",
    "graded_most_complete": "{file}: 여러 사본이 수정되어 `raise NotImplementedError`가 가장 적게 남은 {graded}의 코드를 채점했습니다.",
    "graded_py_on_tie": "{file}: 수정된 사본들에 남은 `raise NotImplementedError`의 수가 같아 {graded}의 코드를 채점했습니다 (이때는 .py 파일, 없으면 이름순으로 첫 노트북을 채점합니다).",
    "wrong_type": "{what}이(가) {got}을(를) 반환했습니다. 기대한 값: {expected}.",
    "wrong_shape": "{what}의 shape가 {got}입니다. 기대한 shape: {expected} ({like}의 shape).",
    "wrong_dtype": "{what}의 dtype이 {got}입니다. float64여야 합니다.",
    "not_a_float": "{what}의 값은 맞지만 {got}을(를) 반환했습니다. docstring은 float를 요구합니다 (float(...)로 바꾸세요).",
    "nonfinite": "{what}에 NaN 또는 inf가 있습니다.",
    "mismatch": "{what}이(가) 기대한 값과 다릅니다: 가장 큰 차이는 원소 {index}: 계산값 {got:.6g}, 기대값 {expected:.6g} (상대 오차 {err:.2e}, 허용 오차 {tol:.0e}).",
    "gradcheck_failed": "{what}이(가) 여러분의 forward로 구한 수치 미분과 다릅니다: 가장 큰 차이는 원소 {index}: backward {got:.6g}, 중심 차분 {expected:.6g} (상대 오차 {err:.2e}, 허용 오차 {tol:.0e}).",
    "directional_failed": "{what}이(가) 임의 방향의 수치 미분과 다릅니다: backward {got:.6g}, 중심 차분 {expected:.6g} (상대 오차 {err:.2e}).",
    "mutated": "{what}이(가) 인자 {arg}을(를) 변경했습니다. forward와 backward는 입력이나 dout을 바꾸면 안 됩니다. 배열을 바꾸기 전에 복사하세요.",
    "mutated_cached": "{what}이(가) forward에 주어진 배열 {arg}을(를) 변경했습니다 (forward가 복사하지 않고 저장한 배열). backward는 forward의 입력을 바꾸면 안 됩니다. 배열을 바꾸기 전에 복사하세요.",
    "mutated_output": "{what}이(가) forward가 앞서 반환한 배열을 변경했습니다. 호출자(예: 다음 층의 입력)가 아직 그 배열을 쓰고 있습니다. backward는 그 배열을 바꾸면 안 됩니다. 새 배열에 계산하세요.",
    "warning_raised": "{what}에서 numpy 경고가 발생했습니다: {warning}. 수치적으로 안정한 식을 사용하세요.",
    "mask_mismatch": "{what}: 전체 {total}개 유닛 중 {count}개가 기대한 마스크와 다릅니다 (첫 번째 위치 {index}: 계산값 {got}, 기대값 {expected}).",
    "not_in_place": "{what}이(가) {arg}을(를) 제자리(in place)에서 바꾸지 않았습니다: 새 배열을 대입하지 말고 호출한 쪽의 배열을 갱신하세요 (p -= ..., p[...] = ...).",
    "final_loss": "{what}: {steps}번 갱신 후 손실이 {got:.6g}입니다. 참조 구현은 {expected:.6g}에 도달합니다.",
    "batch_count": "{what}이(가) 배치 {got}개를 만들었습니다. N = {n}, batch_size = {batch_size}이면 {expected}개여야 합니다 (크기가 작은 마지막 배치도 사용합니다).",
    "labels_mismatch": "{what}: 레이블이 Xb의 행과 맞지 않습니다 (X와 y를 같은 순열로 섞으세요).",
    "accuracy": "{what}: 학습된 모델의 검증 데이터 정확도가 {got:.3f}입니다. 최소 {expected:.3f}이어야 합니다.",
    "pattern_nonfinite": "NaN 또는 inf가 포함되어 있습니다.",
    "pattern_transposed": "전치(transpose)된 것으로 보입니다.",
    "pattern_zero": "모든 값이 0입니다.",
    "pattern_sign": "부호가 반대입니다.",
    "pattern_times_n": "N = {n}배 큽니다: 배치 크기로 나누는 것을 잊었나요?",
    "pattern_divided_n": "N = {n}배 작습니다: 합이어야 할 곳에 평균을 썼거나, 배치 크기로 한 번 더 나누었나요?",
    "pattern_factor": "상수배 {factor:.4g}만큼 차이가 납니다.",
    "pattern_summed": "N = {n}배 큽니다: 평균이어야 할 곳에 합을 썼나요?",
    "pattern_biased_variance": "편향된 배치 분산으로 구한 값입니다: running variance에는 불편 분산 var * N / (N - 1)을 씁니다.",
    "pattern_slope_at_zero": "정확히 x = 0에서의 기울기가 틀렸습니다: docstring이 그 점의 미분값을 정해 두었습니다.",
    "pattern_leak": "기대한 기울기가 0이 아닌 곳은 맞지만, 나머지 위치가 0이 아닙니다.",
    "pattern_eps_under_root": "eps를 제곱근 안에 넣었을 때의 갱신, g / sqrt(s + eps)와 같습니다: eps는 제곱근 밖에 더합니다, g / (sqrt(s) + eps).",
    "pattern_folded_bias_correction": "편향 보정을 학습률에 합친 식, lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)의 갱신과 같습니다. 이 식은 eps를 sqrt(1 - beta2^t)배로 바꿉니다: m과 v 자체를 보정한 뒤 sqrt(v_hat) + eps로 나누세요.",
    "grader_failed": "채점기가 이 제출물을 채점하다가 실패하여 아직 점수가 없습니다. 여러분 코드의 문제가 아니라 채점기의 문제이니 담당 교수자에게 알려 주세요.",
    "forward_first": "판정하지 않았으므로 점수가 없습니다: 이 검사는 여러분의 코드를 자기 자신과 비교하는데, 이는 forward가 이 입력에서 문서에 적힌 함수(상수배, 작은 eps, 알려진 변형까지 허용)를 계산할 때만 의미가 있습니다. 그러나 그렇지 않습니다: {detail}",
    "stable_wrong_values": "이 극단적인 입력에서 forward가 기준 구현의 값(또는 그 상수배)을 내지 않습니다: {detail}",
    "pattern_forward_not_documented": "여러분의 backward는 여기서 기준 구현과 같은 기울기를 냅니다. 따라서 문서에 적힌 함수와 다른 것은 forward입니다: 달라진 것은 forward의 수치 기울기입니다.",
    "stand_ins": "{part}은(는) 여러분의 {names} 대신 채점기의 구현으로 채점하므로, 그쪽의 실수는 해당 파트에서만 감점됩니다.",
    "passed": "통과",
    "same_as_above": "(위와 같음)",
    "part_summary": "{part}: {score:g} / {max_score:g}",
}

CATALOGUES = {"en": EN, "ko": KO}


def default_language():
    """The language of the public checks: BACKPROP_LAB_LANG if set to a known one, else English."""
    lang = os.environ.get("BACKPROP_LAB_LANG", "en")
    return lang if lang in CATALOGUES else "en"


def load_titles(folder, lang):
    """{English title: title in ``lang``} of an assignment's checks, from ``folder/titles.<lang>.toml``
    (the solution folder, or the released one that ships a copy); empty in English."""
    import tomllib
    from pathlib import Path

    path = Path(folder) / f"titles.{lang}.toml"
    if lang == "en" or not path.is_file():
        return {}
    return tomllib.loads(path.read_text(encoding="utf-8"))


def message(key, lang="en", **fields):
    """The message ``key`` in ``lang`` ("en" or "ko"), formatted with ``fields``."""
    text = CATALOGUES[lang][key].format(**fields)
    return with_particles(text) if lang == "ko" else text


# (form after a final consonant, form after a vowel) of each particle written in both forms
PARTICLES = {"이(가)": ("이", "가"), "을(를)": ("을", "를"), "은(는)": ("은", "는"), "과(와)": ("과", "와"),
             "(으)로": ("으로", "로")}
_PARTICLE = re.compile("|".join(re.escape(p) for p in PARTICLES))
# how a digit ends when read in Korean: 영 일 이 삼 사 오 육 칠 팔 구 (0 ends 십, 백, 천 too); "l" = ㄹ
_DIGIT_ENDS = dict(zip("0123456789", ["ng", "l", "", "m", "", "", "k", "l", "l", ""]))
# how a Latin letter's name ends when read alone: 엘, 엠, 엔, 알
_LETTER_ENDS = {"l": "l", "m": "m", "n": "n", "r": "l"}


def final_sound(word):
    """The final consonant the Korean reading of ``word`` ends with: "" (none), "l" (ㄹ) or another.

    Hangul: its last syllable's final consonant. A digit: its Korean reading (7 칠: "l").
    Latin: a name of up to two letters or an all-capital acronym is read letter by letter
    (dx 디엑스: "", lr 엘알: "l"); a word is read as English is in Korean: it ends in a
    consonant after m, n, ng (neuron 뉴런), l (kernel 커널: "l") and p, t, k, b after a
    vowel (step 스텝, fit 핏); else in a vowel (forward 포워드, gate 게이트, max 맥스).
    """
    word = word.rstrip(")]}'\"`.,:;")
    if not word:
        return ""
    last = word[-1]
    if "\uac00" <= last <= "\ud7a3":
        final = (ord(last) - 0xAC00) % 28
        return "" if final == 0 else ("l" if final == 8 else "c")
    if last.isdigit():
        return _DIGIT_ENDS[last]
    letters = re.search(r"[A-Za-z]+$", word)
    if not letters:
        return ""
    run = letters.group()
    if len(run) <= 2 or (run.isupper() and len(run) <= 5):
        return _LETTER_ENDS.get(run[-1].lower(), "")
    run = run.lower()
    if run.endswith(("m", "n")):
        return "n"
    if run.endswith(("l", "le")):
        return "l"
    if run[-1] in "ptkb" and run[-2] in "aeiou" and not run.endswith("ck"):
        return "c"
    return ""


def with_particles(text):
    """``text`` with each particle written in both forms reduced to the one its word takes."""

    def choose(match):
        before = text[:match.start()].split()
        sound = final_sound(before[-1]) if before else ""
        after_consonant, after_vowel = PARTICLES[match.group()]
        if match.group() == "(으)로" and sound == "l":
            return after_vowel  # ㄹ takes 로: 레일로
        return after_consonant if sound else after_vowel

    return _PARTICLE.sub(choose, text)
