"""The classroom's own rules without a server: names, default names, cookies, the count of
wrong codes (tests/web/test_classroom.py checks them through a real server)."""

from __future__ import annotations

import pytest

from app.web.classroom import Classroom, Member, NameRefused, clean_name


def test_names_are_trimmed_bounded_and_without_control_characters() -> None:
    assert clean_name("  Ada \t  Lovelace ") == "Ada Lovelace"
    assert clean_name("Ｂｏｂ") == "Bob"  # NFKC: full-width letters are letters
    for bad, words in [("", "type a name"), ("x" * 33, "at most 32"), ("a\u202eb", "letters")]:
        with pytest.raises(NameRefused, match=words):
            clean_name(bad)


def test_default_names_skip_names_students_took() -> None:
    room = Classroom("ABCD", "k" * 12)
    first = room.admit()
    taken = room.admit("student 2")
    third = room.admit()
    assert (first.name, taken.name, third.name) == ("Student 1", "student 2", "Student 3")
    with pytest.raises(NameRefused, match="already has this name"):
        room.rename(first, "STUDENT 3")
    room.rename(first, "student 1")  # a change of case of one's own name is allowed
    assert first.name == "student 1"


def test_a_full_class_is_refused_in_words() -> None:
    room = Classroom("ABCD", "k" * 12, max_students=1)
    room.admit()
    with pytest.raises(NameRefused, match="the class is full: at most 1 students"):
        room.admit()


def test_cookies_are_bound_to_the_server_that_signed_them() -> None:
    room, other = Classroom("ABCD", "k" * 12), Classroom("ABCD", "k" * 12)
    student = Member("student", room.admit().id)
    assert room.member_from(room.cookie_for(student)) == student
    assert other.member_from(room.cookie_for(student)) is None  # another secret
    teacher = room.cookie_for(Member("teacher", "teacher"))
    assert room.member_from(teacher) == Member("teacher", "teacher")
    assert room.member_from(teacher.replace("teacher.teacher", "student.teacher")) is None
    assert room.member_from("x" * 500) is None


def test_codes_ignore_case_keys_do_not_and_failures_are_counted_per_address() -> None:
    room = Classroom("AbCd", "Key-Of-Twelve", failures_per_min=2)
    assert room.code_matches("abcd") and room.code_matches(" ABCD ")
    assert room.key_matches("Key-Of-Twelve") and not room.key_matches("key-of-twelve")
    room.record_failure("10.0.0.1")
    assert room.retry_after("10.0.0.1") is None
    room.record_failure("10.0.0.1")
    wait = room.retry_after("10.0.0.1")
    assert wait is not None and 55 < wait <= 60
    assert room.retry_after("10.0.0.2") is None
