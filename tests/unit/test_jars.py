import hashlib
from pathlib import Path

import pytest

from bron.errors import FetchError
from bron.kafka.jars import is_cached, kafka_version, libs_dir
from bron.settings import load_settings


def test_the_pinned_kafka_version_is_read_from_the_pom() -> None:
    version = kafka_version(load_settings().kafka_pom)
    major = int(version.split(".")[0])
    assert major >= 4


def test_a_pom_without_kafka_version_is_a_clear_error(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text('<project xmlns="http://maven.apache.org/POM/4.0.0"><properties/></project>')
    with pytest.raises(FetchError, match=r"no <kafka\.version>"):
        kafka_version(pom)
    with pytest.raises(FetchError, match="cannot read"):
        kafka_version(tmp_path / "missing.xml")


def test_the_cache_counts_only_a_complete_fetch_of_the_same_pom(tmp_path: Path) -> None:
    pom = tmp_path / "pom.xml"
    pom.write_text(
        '<project xmlns="http://maven.apache.org/POM/4.0.0">'
        "<properties><kafka.version>4.9.9</kafka.version></properties></project>"
    )
    libs = libs_dir(tmp_path / "cache", "4.9.9")
    assert not is_cached(tmp_path / "cache", pom)
    libs.mkdir(parents=True)
    (libs / "kafka.jar").write_bytes(b"jar")
    assert not is_cached(tmp_path / "cache", pom), "no marker: a half fetch"
    (libs / ".complete").write_text(hashlib.sha256(pom.read_bytes()).hexdigest())
    assert is_cached(tmp_path / "cache", pom)
    pom.write_text(pom.read_text().replace("</properties>", "<x>1</x></properties>"))
    assert not is_cached(tmp_path / "cache", pom), "a changed pom fetches again"
