from pathlib import Path
import pytest
from hypothesis import given, settings, HealthCheck, strategies as st
from tests.sca.extractors.test_properties import check, mutated, EXTRACTORS, VALID_FIXTURES, HERE
MINE = ["cargo/cargotoml","go/vendormodules","go/gomod","ruby/gemfilelock","dart/pubspeclock","erlang/mixlock","cocoapods/podfilelock","swift/packageresolved"]
S = settings(max_examples=2500, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize(("name","fixture"), [(n,f) for n in MINE for f in VALID_FIXTURES[n]])
@S
@given(choice=st.data())
def test_mut(name, fixture, choice):
    check(EXTRACTORS[name], choice.draw(mutated((HERE/fixture).read_bytes())))
@pytest.mark.parametrize("name", MINE)
@S
@given(text=st.text(max_size=300))
def test_text(name, text):
    check(EXTRACTORS[name], text.encode())
