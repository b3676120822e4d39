"""Student-facing messages in English and Korean.

``message(key, lang, **fields)`` formats one message. Both catalogues hold the same
keys (a test checks it). The language comes from course.toml's ``language`` for the
grader and from the BACKPROP_LAB_LANG environment variable for the public checks (which
the student kit sets to the course's language unless told otherwise:
``source_lib.public.kit_language``).

A Korean message writes a particle in both forms after a field, ``{what}이(가)``;
``with_particles`` then keeps the one the word before it takes (``AddGate.forward가``,
``neuron이``, ``x를``), by the rule of ``takes_final_consonant``.
"""

import os
import re

EN = {
    "not_implemented": "{what} is not implemented yet (it still raises NotImplementedError).",
    "raised": "{what} raised “{error}”",
    "your_code": "your code",
    "timeout": "{what} did not finish within {seconds:g} s (an infinite loop, or far too slow). The check was stopped.",
    "part_budget": "Not run: earlier checks of this part used up its time budget of {seconds:g} s.",
    "submission_budget": "Not run: grading this submission used up its time budget of {seconds:g} s.",
    "memory": "{what} used more than the memory limit of {limit_mb} MB. The check was stopped.",
    "crashed": "The process running your code stopped during {what} ({detail}). Calls such as exit(), os._exit() or a crash of Python end the check.",
    "malformed_answer": "the answer was malformed",
    "grader_error": "grader error in {check}: {error}",
    "killed_by_signal": "killed by {signal}",
    "exit_status": "exit status {code}",
    "output_too_large": "output size limit exceeded (too much printing)",
    "result_too_large": "{what} returned a value too large to hand to the grader (at most {mb} MB of arrays and {values:,} other values in all).",
    "ended_unreaped": "it ended, and the process that started it was killed",
    "isolation_base": "separate process, rlimits, own process group, clean environment, scratch directory",
    "isolation_jail": "jail: {base}, no network (own network namespace), only the interpreter, numpy, source_lib and the submission visible (own mount namespace, read-only but for the scratch directory, a size-limited tmpfs), own IPC namespace, own PID namespace, own unprivileged user id per child",
    "isolation_netns": "netns: {base}, no network (own network namespace)",
    "isolation_process": "process: {base}; no jail here (the grader is not root, or the system refused it)",
    "isolation_seccomp": "a fresh session keyring and a syscall filter (seccomp) per child",
    "isolation_keyring": "a fresh session keyring per child, no syscall filter",
    "isolation_no_cgroup": "no cgroup memory.max per child",
    "isolation_why": "why not stronger: “{why}”",
    "import_failed": "Your file {file} could not be imported: “{error}”",
    "missing_file": "The submission has no {file}.",
    "file_too_large": "{file} is {mb} MB, more than the {limit} MB a submitted file may be: it was not read.",
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
    "mismatch_scalar": "{what} differs from the expected values: got {got:.6g}, expected {expected:.6g} (relative error {err:.2e}, tolerance {tol:.0e}).",
    "gradcheck_failed_scalar": "{what} disagrees with the numerical gradient of your own forward: backward gave {got:.6g}, centred differences give {expected:.6g} (relative error {err:.2e}, tolerance {tol:.0e}).",
    "directional_failed": "{what} disagrees with the numerical gradient of your own forward along a random direction: backward gives {got:.6g}, centred differences give {expected:.6g} (relative error {err:.2e}).",
    "mutated": "{what} modified its argument {arg}. forward and backward must not change their inputs or dout; copy before changing an array.",
    "mutated_step": "{what} modified its argument {arg}. step must leave the gradients as given and update only the parameters; copy before changing an array.",
    "mutated_cached": "{what} modified {arg}, the array given to forward (which forward cached without copying). backward must not change what forward was given; copy before changing an array.",
    "warning_raised": "{what} raised a numpy warning: “{warning}”. Use a numerically stable formula.",
    "mutated_output": "{what} modified the array forward returned earlier, which the caller still holds (the next layer's input, say). backward must not change it; compute into a new array.",
    "not_repeatable": "{what} returned a different {arg} when called a second time after the same forward (worst relative error {err:.2e}): backward must not change what forward cached; copy before changing an array in place.",
    "mask_mismatch": "{what}: {count} of {total} units differ from the expected mask (first at index {index}: got {got}, expected {expected}).",
    "not_in_place": "{what} did not change {arg} in place: update the caller's arrays (p -= ..., p[...] = ...) instead of assigning new ones.",
    "grads_changed": "{what} modified {arg}: step must never change the gradients it is given; copy before changing an array.",
    "final_loss": "{what}: after {steps} steps the loss is {got:.6g}; the reference reaches {expected:.6g}.",
    "batch_count": "{what} gave {got} batches; expected {expected} for N = {n} and batch_size = {batch_size} (the last, smaller batch is used too).",
    "batch_one_too_many": "{what} gave {got} batches, one too many: N = {n} and batch_size = {batch_size} make {expected} (is the last one empty, or does a range run past N?).",
    "not_shuffled": "{what}: the batches hold the rows of X in their original order: they are not shuffled (draw one rng.permutation(N) per call and take the rows in its order).",
    "other_order": "{what}: the batches hold every row of X once, but in another order than one rng.permutation(N) of the given rng gives (draw exactly one permutation per call, and nothing else from rng).",
    "labels_mismatch": "{what}: a label is off its row: row {row} of Xb has the label {got}, but its label in y is {expected} (shuffle X and y with the same permutation).",
    "accuracy": "{what}: the trained model's accuracy on held-out data is {got:.3f}; at least {expected:.3f} is expected.",
    "an_ndarray": "an ndarray of shape {shape}",
    "the_input": "the input",
    "the_expected": "the expected value",
    "every_row_once": "{what}: every row of X must appear exactly once per epoch ({got} rows came out of {expected}).",
    "loss_not_lower": "{what}: a small SGD step on the same batch should lower the loss, but it went from {before:.6g} to {after:.6g}.",
    "loss_count": "{what}: history[\"loss\"] has {got} entries; expected one per epoch, {expected}.",
    "not_reproducible": "{what}: two runs with the same seed gave different losses (one rng.permutation per epoch from the rng given makes a run reproducible).",
    "loss_not_falling": "{what}: the training loss did not fall on easy data (first epoch {first:.6g}, last {last:.6g}).",
    "mask_count": "{what}: expected one boolean mask per ReLU layer ({expected}), got {got}.",
    "changed_model": "{what} changed the model's {arg}: a diagnosis must leave the model as it was.",
    "pattern_nonfinite": "It contains NaN or inf.",
    "pattern_transposed": "It looks transposed.",
    "pattern_zero": "It is all zeros.",
    "pattern_sign": "It has the wrong sign.",
    "pattern_times_n": "It is N = {n} times too large: did you forget to divide by the batch size?",
    "pattern_divided_n": "It is N = {n} times too small: a mean where a sum is due, or one division by the batch size too many?",
    "pattern_factor": "It is off by a constant factor of {factor:.4g}.",
    "pattern_summed": "It is N = {n} times too large: a sum where the mean is due?",
    "pattern_mean_not_sum": "It is 1/{k} of the expected: each element of {what} (shape {shape}) is the sum of {k} elements of the gradient of shape {full}, and yours is their mean: a mean where a sum is due.",
    "pattern_axis_summed": "It is {k} times the expected, and {k} is the length of axis {axis} of {arg} (shape {shape}): a sum over that axis where the mean is due?",
    "pattern_axis_divided": "It is 1/{k} of the expected, and {k} is the length of axis {axis} of {arg} (shape {shape}): a mean over that axis where the sum is due, or one division too many?",
    "pattern_offset": "It is off by the same constant {offset:.6g} everywhere.",
    "pattern_summed_all": "Every element of {what} is the same number, {value:.6g}, the sum of all the expected elements: a sum over every axis where each element sums only its own?",
    "pattern_constant": "Every element of {what} is the same number, {value:.6g}, where the expected values differ.",
    "pattern_too_large": "Every element has the right sign but a larger magnitude than expected, by a factor that changes from element to element: is a factor of the formula missing?",
    "pattern_too_small": "Every element has the right sign but a smaller magnitude than expected, by a factor that changes from element to element: is there a factor too many?",
    "pattern_swapped": "{first} and {second} are swapped: your {first} is the expected {second} and your {second} the expected {first}.",
    "pattern_biased_variance": "It is what the biased batch variance gives: the running variance takes the unbiased one, var * N / (N - 1).",
    "pattern_slope_at_zero": "The gradient at exactly x = 0 is wrong: the docstring fixes the derivative there.",
    "pattern_ties": "It is wrong only where x == y (a tie): the docstring fixes which input gets the gradient there.",
    "pattern_leak": "It is right where the expected gradient is non-zero but not zero elsewhere.",
    "pattern_eps_under_root": "These are the steps eps inside the square root gives, g / sqrt(s + eps): eps belongs outside it, g / (sqrt(s) + eps).",
    "pattern_folded_bias_correction": "These are the steps of the bias correction folded into the step size, lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps), which scales eps by sqrt(1 - beta2^t): correct m and v themselves, then divide by sqrt(v_hat) + eps.",
    "grader_failed": "The grader failed while grading this submission, so it has no score yet. This is a fault of the grader, not of your code: please tell your instructor.",
    "forward_first": "Not judged, so no points: this check compares your code with itself, which only counts once forward computes the documented function on its inputs (up to a constant factor, a small eps or a known variant of it), and it does not: {detail}",
    "forward_not_varying": "Not judged, so no points: this check compares your code with itself, which only counts once forward changes near its inputs as the documented function does, and it does not: {what} changes by {got:.6g} per unit step at element {index} where {expected:.6g} is due (does forward answer from what it has seen before instead of computing?).",
    "stable_wrong_values": "On these extreme inputs forward does not give the reference's values (nor a constant multiple of them): {detail}",
    "pattern_forward_not_documented": "Your backward gives the reference's gradient here, so it is forward that is not the documented function: its numerical gradient is what differs.",
    "stand_ins": "{part} is graded with the grader's own {names} in place of yours, so a mistake in those costs points only in their own parts.",
    "passed": "passed",
    "same_as_above": "(same as above)",
    # the words a check puts into {what}, {got}, {expected} and {like} above
    "type_array": "ndarray of dtype {dtype} and shape {shape}",
    "type_object": "an object of type {name}",
    "type_other": "a {name}",
    "expect_array": "an ndarray of shape {shape}",
    "expect_float": "a float",
    "expect_sequence": "a {name} of {n} items",
    "expect_dict": "a dict with keys {keys}",
    "expect_gradients": "a tuple of {n} gradients",
    "expect_batch": "a pair (Xb, yb)",
    "expect_history": 'a dict with a "loss" list',
    "expect_masks": "a list of {n} boolean masks (one per ReLU layer)",
    "expect_mask": "a boolean ndarray of shape {shape}",
    "expect_norms": "a list of {n} floats (one per Linear layer)",
    "like_input": "the input",
    "like_output": "the reference's output",
    "like_reference": "the reference's value",
    "like_reference_attr": "the reference's {name}",
    "like_batch": "the reference's batch",
    "like_epochs": "one entry per epoch",
    "like_argument": "argument {i}",
    "what_after_forward": "{name} after forward",
    "what_value": "the value",
    "what_gradient": "gradient {i}",
    "what_step": "{name}.step {step}: params[{i}] ({objective})",
    "what_returned_norm": "{name}: the returned norm",
    "what_clipped": "{name}: grads[{i}] after clipping",
    "what_call": "{name} (call {call} with the same rng)",
    "what_batch": "{name}: batch {k}",
    "what_batch_array": "{name}: batch {k} {array}",
    "what_train_step": "train_step {step}",
    "what_loss_returned": "train_step {step}: the loss returned",
    "what_after_call": "after {name}",
    "what_mask": "{name}: mask {k}",
    "objective_quadratic": "quadratic with curvatures {curvatures} and its minimum at {centre:g}, from |x - {centre:g}| ~ {start:g}",
    "objective_rosenbrock": "the Rosenbrock function",
    "objective_two_shapes": "a (3, 2) and a (2,) parameter with different curvatures and the minimum at {centre:g}",
    # where in the student's file an exception was raised (Python's own text is quoted)
    "frame": "{file}, line {line}, in {function}: `{code}`",
    "frame_line": "{file}, line {line}: `{code}`",
    "part_summary": "{part}: {score:g} / {max_score:g}",
    "parts_passed": "parts passed: {passed} / {total}{names}",
    "kit_description": "Run the public checks of your work: they use only your own code.",
    "kit_path_help": "a notebook or a .py file (default: the .py files of this folder)",
    "kit_lang_help": "the language of the messages (default: the notebook's, else BACKPROP_LAB_LANG, else {course})",
    "kit_no_file": "{path}: no such file",
    "held_checks_after_due_date": "Each check's result and message is shown after the due date; until then, the score of each part:",
    "held_checks_after_published": "Each check's result and message is shown once the grades are published; until then, the score of each part:",
    "held_checks_hidden": "Each check's result and message is shown to the instructor only; the score of each part:",
    "held_mistake": "  - {mistake}",
}

KO = {
    "not_implemented": "{what}이(가) 아직 구현되지 않았습니다 (여전히 NotImplementedError를 발생시킵니다).",
    "raised": "{what}에서 예외가 발생했습니다: “{error}”",
    "your_code": "여러분의 코드",
    "timeout": "{what}이(가) {seconds:g}초 안에 끝나지 않았습니다 (무한 루프이거나 너무 느립니다). 검사를 중단했습니다.",
    "part_budget": "실행하지 않음: 이 파트의 앞선 검사들이 시간 예산 {seconds:g}초를 모두 사용했습니다.",
    "submission_budget": "실행하지 않음: 이 제출물의 채점이 시간 예산 {seconds:g}초를 모두 사용했습니다.",
    "memory": "{what}이(가) 메모리 한도 {limit_mb} MB를 넘었습니다. 검사를 중단했습니다.",
    "crashed": "{what} 실행 중 코드를 실행하던 프로세스가 멈췄습니다 ({detail}). `exit()`, `os._exit()` 호출이나 Python의 비정상 종료는 검사를 끝냅니다.",
    "malformed_answer": "응답의 형식이 잘못되었습니다",
    "grader_error": "채점기 오류 (`{check}`): “{error}”",
    "killed_by_signal": "`{signal}` 신호로 강제 종료됨",
    "exit_status": "종료 상태 {code}",
    "output_too_large": "출력 크기 제한 초과 (출력이 너무 많음)",
    "result_too_large": "{what}이(가) 돌려준 값이 너무 커서 채점기에 넘길 수 없습니다 (배열은 모두 합쳐 {mb} MB, 그 밖의 값은 {values:,}개까지).",
    "ended_unreaped": "끝났지만, 그것을 시작한 프로세스가 강제 종료되어 종료 상태를 알 수 없음",
    "isolation_base": "별도 프로세스, rlimit, 자체 프로세스 그룹, 깨끗한 환경 변수, 작업용 임시 디렉터리",
    "isolation_jail": "jail: {base}, 네트워크 없음 (자체 네트워크 네임스페이스), 인터프리터, numpy, source_lib와 제출물만 보임 (자체 마운트 네임스페이스, 크기가 제한된 tmpfs인 작업 디렉터리 말고는 읽기 전용), 자체 IPC 네임스페이스, 자체 PID 네임스페이스, 자식 프로세스마다 권한 없는 자체 사용자 ID",
    "isolation_netns": "netns: {base}, 네트워크 없음 (자체 네트워크 네임스페이스)",
    "isolation_process": "process: {base}. 여기서는 jail 없음 (채점기가 root로 실행되지 않았거나 시스템이 거부함)",
    "isolation_seccomp": "자식 프로세스마다 새 세션 키링과 시스템 호출 필터(seccomp)",
    "isolation_keyring": "자식 프로세스마다 새 세션 키링, 시스템 호출 필터 없음",
    "isolation_no_cgroup": "자식 프로세스별 cgroup memory.max 없음",
    "isolation_why": "더 강하게 격리하지 못한 이유: “{why}”",
    "import_failed": "제출한 파일 {file}을(를) import할 수 없습니다: “{error}”",
    "missing_file": "제출물에 {file}이(가) 없습니다.",
    "file_too_large": "{file}의 크기가 {mb} MB로, 제출 파일 하나의 한도 {limit} MB를 넘어 읽지 않았습니다.",
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
    "gradcheck_failed": "{what}이(가) 여러분의 forward로 구한 수치 기울기와 다릅니다: 가장 큰 차이는 원소 {index}: backward {got:.6g}, 중심 차분 {expected:.6g} (상대 오차 {err:.2e}, 허용 오차 {tol:.0e}).",
    "mismatch_scalar": "{what}이(가) 기대한 값과 다릅니다: 계산값 {got:.6g}, 기대값 {expected:.6g} (상대 오차 {err:.2e}, 허용 오차 {tol:.0e}).",
    "gradcheck_failed_scalar": "{what}이(가) 여러분의 forward로 구한 수치 기울기와 다릅니다: backward {got:.6g}, 중심 차분 {expected:.6g} (상대 오차 {err:.2e}, 허용 오차 {tol:.0e}).",
    "directional_failed": "{what}이(가) 임의 방향의 수치 기울기와 다릅니다: backward {got:.6g}, 중심 차분 {expected:.6g} (상대 오차 {err:.2e}).",
    "mutated": "{what}이(가) 인자 {arg}을(를) 변경했습니다. forward와 backward는 입력이나 dout을 바꾸면 안 됩니다. 배열을 바꾸기 전에 복사하세요.",
    "mutated_step": "{what}이(가) 인자 {arg}을(를) 변경했습니다. step은 기울기를 주어진 그대로 두고 파라미터만 갱신해야 합니다. 배열을 바꾸기 전에 복사하세요.",
    "mutated_cached": "{what}이(가) forward에 주어진 배열 {arg}을(를) 변경했습니다 (forward가 복사하지 않고 저장한 배열). backward는 forward의 입력을 바꾸면 안 됩니다. 배열을 바꾸기 전에 복사하세요.",
    "warning_raised": "{what}에서 numpy 경고가 발생했습니다: “{warning}”. 수치적으로 안정한 식을 사용하세요.",
    "mutated_output": "{what}이(가) forward가 앞서 반환한 배열을 변경했습니다. 호출자(예: 다음 층의 입력)가 아직 그 배열을 쓰고 있습니다. backward는 그 배열을 바꾸면 안 됩니다. 새 배열에 계산하세요.",
    "not_repeatable": "같은 forward 뒤에 {what}을(를) 두 번째로 부르자 다른 {arg}을(를) 반환했습니다 (가장 큰 상대 오차 {err:.2e}): backward는 forward가 저장한 값을 바꾸면 안 됩니다. 배열을 제자리에서 바꾸기 전에 복사하세요.",
    "mask_mismatch": "{what}: 전체 {total}개 유닛 중 {count}개가 기대한 마스크와 다릅니다 (첫 번째 위치 {index}: 계산값 {got}, 기대값 {expected}).",
    "not_in_place": "{what}이(가) {arg}을(를) 제자리에서 바꾸지 않았습니다: 새 배열을 대입하지 말고 호출한 쪽의 배열을 갱신하세요 (p -= ..., p[...] = ...).",
    "grads_changed": "{what}이(가) {arg}을(를) 바꾸었습니다: step은 받은 기울기를 바꾸면 안 됩니다. 배열을 바꾸기 전에 복사하세요.",
    "final_loss": "{what}: {steps}번 갱신 후 손실이 {got:.6g}입니다. 참조 구현은 {expected:.6g}에 도달합니다.",
    "batch_count": "{what}이(가) 배치 {got}개를 만들었습니다. N = {n}, batch_size = {batch_size}이면 {expected}개여야 합니다 (크기가 작은 마지막 배치도 사용합니다).",
    "batch_one_too_many": "{what}이(가) 배치 {got}개를 만들었습니다. 하나가 더 많습니다: N = {n}, batch_size = {batch_size}이면 {expected}개입니다 (마지막 배치가 비어 있거나, range가 N을 넘어가지 않나요?).",
    "not_shuffled": "{what}: 배치가 X의 행을 원래 순서 그대로 담고 있습니다. 섞지 않았습니다 (호출마다 rng.permutation(N)을 하나 뽑아 그 순서대로 행을 가져오세요).",
    "other_order": "{what}: 배치가 X의 모든 행을 한 번씩 담고 있지만, 주어진 rng의 rng.permutation(N) 하나가 주는 순서와 다릅니다 (호출마다 순열을 정확히 하나만 뽑고, rng에서 다른 것은 뽑지 마세요).",
    "labels_mismatch": "{what}: 레이블이 행을 벗어났습니다. Xb의 {row}번 행의 레이블이 {got}이지만, y에서 그 행의 레이블은 {expected}입니다 (X와 y를 같은 순열로 섞으세요).",
    "accuracy": "{what}: 학습된 모델의 검증 데이터 정확도가 {got:.3f}입니다. 최소 {expected:.3f}이어야 합니다.",
    "an_ndarray": "shape {shape}인 ndarray",
    "the_input": "입력",
    "the_expected": "기대값",
    "every_row_once": "{what}: 한 에폭에서 X의 모든 행이 정확히 한 번씩 나와야 합니다 (행 {expected}개 중 {got}개가 나왔습니다).",
    "loss_not_lower": "{what}: 같은 배치에서 작은 SGD 한 단계를 밟으면 손실이 줄어야 하는데, {before:.6g}에서 {after:.6g}(으)로 바뀌었습니다.",
    "loss_count": "{what}: history[\"loss\"]의 항목이 {got}개입니다. 에폭마다 하나씩, {expected}개여야 합니다.",
    "not_reproducible": "{what}: 같은 시드로 두 번 실행했는데 손실이 다릅니다 (주어진 rng로 에폭마다 rng.permutation을 한 번 쓰면 재현됩니다).",
    "loss_not_falling": "{what}: 쉬운 데이터인데 학습 손실이 줄지 않았습니다 (첫 에폭 {first:.6g}, 마지막 {last:.6g}).",
    "mask_count": "{what}: ReLU 층마다 불리언 마스크가 하나씩 ({expected}개) 있어야 하는데 {got}개입니다.",
    "changed_model": "{what}이(가) 모델의 {arg}을(를) 바꾸었습니다: 진단은 모델을 그대로 두어야 합니다.",
    "pattern_nonfinite": "NaN 또는 inf가 포함되어 있습니다.",
    "pattern_transposed": "전치(transpose)된 것으로 보입니다.",
    "pattern_zero": "모든 값이 0입니다.",
    "pattern_sign": "부호가 반대입니다.",
    "pattern_times_n": "N = {n}배 큽니다: 배치 크기로 나누는 것을 잊었나요?",
    "pattern_divided_n": "N = {n}배 작습니다: 합이어야 할 곳에 평균을 썼거나, 배치 크기로 한 번 더 나누었나요?",
    "pattern_factor": "상수배 {factor:.4g}만큼 차이가 납니다.",
    "pattern_summed": "N = {n}배 큽니다: 평균이어야 할 곳에 합을 썼나요?",
    "pattern_mean_not_sum": "기대값의 1/{k}입니다: {what} (shape {shape})의 각 원소는 shape {full}인 기울기의 원소 {k}개를 합한 것인데, 제출한 값은 그 평균입니다: 합이어야 할 곳에 평균을 썼습니다.",
    "pattern_axis_summed": "기대값의 {k}배이고, {k}은(는) {arg} (shape {shape})의 축 {axis}의 길이입니다: 평균이어야 할 곳에 그 축의 합을 썼나요?",
    "pattern_axis_divided": "기대값의 1/{k}이고, {k}은(는) {arg} (shape {shape})의 축 {axis}의 길이입니다: 합이어야 할 곳에 그 축의 평균을 썼거나, 한 번 더 나누었나요?",
    "pattern_offset": "모든 곳에서 같은 상수 {offset:.6g}만큼 차이가 납니다.",
    "pattern_summed_all": "{what}의 모든 원소가 같은 수 {value:.6g}이고, 이는 기대값 전체의 합입니다: 각 원소가 자기 몫만 합해야 할 곳에 모든 축의 합을 썼나요?",
    "pattern_constant": "{what}의 모든 원소가 같은 수 {value:.6g}이지만, 기대값은 원소마다 다릅니다.",
    "pattern_too_large": "모든 원소의 부호는 맞지만 크기가 기대값보다 크고, 그 비율이 원소마다 다릅니다: 식의 인수 하나를 빠뜨렸나요?",
    "pattern_too_small": "모든 원소의 부호는 맞지만 크기가 기대값보다 작고, 그 비율이 원소마다 다릅니다: 인수 하나를 더 곱했나요?",
    "pattern_swapped": "{first}과(와) {second}이(가) 뒤바뀌었습니다: 제출한 {first}은(는) 기대한 {second}이고, 제출한 {second}은(는) 기대한 {first}입니다.",
    "pattern_biased_variance": "편향된 배치 분산으로 구한 값입니다: running variance에는 불편 분산 var * N / (N - 1)을 씁니다.",
    "pattern_biased_variance": "편향된 배치 분산으로 구한 값입니다: running_var에는 불편 분산 var * N / (N - 1)을 씁니다.",
    "pattern_slope_at_zero": "정확히 x = 0에서의 기울기가 틀렸습니다: docstring이 그 점의 미분값을 정해 두었습니다.",
    "pattern_ties": "x == y인 곳(동점)에서만 틀렸습니다: docstring이 그곳에서 어느 입력이 기울기를 받는지 정해 두었습니다.",
    "pattern_leak": "기대한 기울기가 0이 아닌 곳은 맞지만, 나머지 위치가 0이 아닙니다.",
    "pattern_eps_under_root": "eps를 제곱근 안에 넣었을 때의 갱신, g / sqrt(s + eps)와 같습니다: eps는 제곱근 밖에 더합니다, g / (sqrt(s) + eps).",
    "pattern_folded_bias_correction": "편향 보정을 학습률에 합친 식, lr * sqrt(1 - beta2^t) / (1 - beta1^t) * m / (sqrt(v) + eps)의 갱신과 같습니다. 이 식은 eps를 sqrt(1 - beta2^t)배로 바꿉니다: m과 v 자체를 보정한 뒤 sqrt(v_hat) + eps로 나누세요.",
    "grader_failed": "채점기가 이 제출물을 채점하다가 실패하여 아직 점수가 없습니다. 여러분 코드의 문제가 아니라 채점기의 문제이니 담당 교수자에게 알려 주세요.",
    "forward_first": "판정하지 않았으므로 점수가 없습니다: 이 검사는 여러분의 코드를 자기 자신과 비교하는데, 이는 forward가 이 입력에서 문서에 적힌 함수(상수배, 작은 eps, 알려진 변형까지 허용)를 계산할 때만 의미가 있습니다. 그러나 그렇지 않습니다: {detail}",
    "forward_not_varying": "판정하지 않았으므로 점수가 없습니다: 이 검사는 여러분의 코드를 자기 자신과 비교하는데, 이는 forward가 입력 근처에서 문서에 적힌 함수처럼 변할 때만 의미가 있습니다. 그러나 그렇지 않습니다: {what}의 원소 {index}에서 단위 변화당 {got:.6g}만큼 변하는데 {expected:.6g}이어야 합니다 (forward가 계산하지 않고 전에 본 입력의 답을 돌려주나요?).",
    "stable_wrong_values": "이 극단적인 입력에서 forward가 참조 구현의 값(또는 그 상수배)을 내지 않습니다: {detail}",
    "pattern_forward_not_documented": "여러분의 backward는 여기서 참조 구현과 같은 기울기를 냅니다. 따라서 문서에 적힌 함수와 다른 것은 forward입니다: 달라진 것은 forward의 수치 기울기입니다.",
    "stand_ins": "{part}은(는) 여러분의 {names} 대신 채점기의 구현으로 채점하므로, 그쪽의 실수는 해당 파트에서만 감점됩니다.",
    "passed": "통과",
    "same_as_above": "(위와 같음)",
    # the words a check puts into {what}, {got}, {expected} and {like} above
    "type_array": "dtype {dtype}, shape {shape}인 ndarray",
    "type_object": "{name} 타입의 객체",
    "type_other": "{name} 값",
    "expect_array": "shape {shape}인 ndarray",
    "expect_float": "float",
    "expect_sequence": "항목 {n}개의 {name}",
    "expect_dict": "키가 {keys}인 dict",
    "expect_gradients": "기울기 {n}개의 tuple",
    "expect_batch": "(Xb, yb) 쌍",
    "expect_history": '"loss" 리스트를 담은 dict',
    "expect_masks": "불리언 마스크 {n}개의 list (ReLU 층마다 하나)",
    "expect_mask": "shape {shape}인 불리언 ndarray",
    "expect_norms": "float {n}개의 list (Linear 층마다 하나)",
    "like_input": "입력",
    "like_output": "참조 구현의 출력",
    "like_reference": "참조 구현의 값",
    "like_reference_attr": "참조 구현의 {name}",
    "like_batch": "참조 구현의 배치",
    "like_epochs": "에폭마다 하나",
    "like_argument": "인자 {i}",
    "what_after_forward": "forward 후의 {name}",
    "what_value": "값",
    "what_gradient": "기울기 {i}",
    "what_step": "{name}.step {step}번째 호출 후의 params[{i}] ({objective})",
    "what_returned_norm": "{name}이(가) 반환한 노름",
    "what_clipped": "{name}: 클리핑 후의 grads[{i}]",
    "what_call": "{name} (같은 rng로 {call}번째 호출)",
    "what_batch": "{name}: 배치 {k}",
    "what_batch_array": "{name}: 배치 {k}의 {array}",
    "what_train_step": "train_step {step}번째 호출",
    "what_loss_returned": "train_step {step}번째 호출이 반환한 손실",
    "what_after_call": "{name} 호출 후",
    "what_mask": "{name}: 마스크 {k}",
    "objective_quadratic": "곡률 {curvatures}, 최솟값 위치 {centre:g}인 이차 함수, |x - {centre:g}| ~ {start:g}에서 시작",
    "objective_rosenbrock": "로젠브록 함수",
    "objective_two_shapes": "곡률이 서로 다르고 최솟값 위치가 {centre:g}인 (3, 2)와 (2,) 파라미터",
    # where in the student's file an exception was raised (Python's own text is quoted)
    "frame": "{file} {line}행, {function} 안: `{code}`",
    "frame_line": "{file} {line}행: `{code}`",
    "part_summary": "{part}: {score:g} / {max_score:g}",
    "parts_passed": "통과한 파트: {passed} / {total}{names}",
    "kit_description": "공개 검사를 실행합니다: 여러분의 코드만 사용합니다.",
    "kit_path_help": "노트북 또는 .py 파일 (기본값: 이 폴더의 .py 파일)",
    "kit_lang_help": "메시지의 언어 (기본값: 노트북의 언어, 없으면 BACKPROP_LAB_LANG, 없으면 {course})",
    "kit_no_file": "{path}: 그런 파일이 없습니다",
    "held_checks_after_due_date": "검사별 결과와 메시지는 마감 후에 공개됩니다. 그때까지는 파트별 점수만 보입니다:",
    "held_checks_after_published": "검사별 결과와 메시지는 성적이 공개되면 보입니다. 그때까지는 파트별 점수만 보입니다:",
    "held_checks_hidden": "검사별 결과와 메시지는 교수자에게만 보입니다. 파트별 점수:",
    "held_mistake": "  - {mistake}",
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


def where_text(frames, lang="en"):
    """The lines of the student's files a traceback went through, in words of ``lang``:
    frames are (file, line, function, code), function "" for a SyntaxError's line; a line
    run at import (Python's "<module>") is named by file and line only."""
    return "; ".join(message("frame" if function not in ("", "<module>") else "frame_line", lang, file=file, line=line,
                             function=function, code=code) for file, line, function, code in frames)


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
