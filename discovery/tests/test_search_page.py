"""The search page, /search/, and the header's search box."""

import pytest

from accounts.tests.factories import UserFactory
from discovery.tests.factories import make_stream
from streams.models import Category

pytestmark = pytest.mark.django_db


def test_header_has_a_search_form_that_works_without_script(client):
    html = client.get("/").content.decode()
    assert 'action="/search/"' in html and 'method="get"' in html
    assert 'role="combobox"' in html and 'aria-controls="site-search-list"' in html
    assert 'aria-expanded="false"' in html and 'id="site-search-list" class="site-search-list" role="listbox"' in html
    assert "js/search.js" in html


def test_results_as_cards_with_filters_kept(client):
    Category.objects.create(name="Music", slug="music")
    make_stream(title="Fuji night", status="live", category="music")
    make_stream(title="Fuji history", status="ended")
    make_stream(title="Fuji private", status="live", visibility="private")

    html = client.get("/search/", {"q": "fuji", "status": "live", "category": "music"}).content.decode()

    assert "Fuji night" in html and "Fuji history" not in html and "Fuji private" not in html
    assert 'class="card"' in html
    assert '<option value="live" selected>' in html
    assert '<option value="music" selected>' in html
    assert "1 result" in html


def test_creators_and_pages(client):
    for n in range(30):
        make_stream(creator=UserFactory(username=f"griot{n:02}"), title=f"Story {n}")

    first = client.get("/search/", {"q": "griot", "type": "creators"}).content.decode()
    second = client.get("/search/", {"q": "griot", "type": "creators", "page": "2"}).content.decode()

    assert "@griot00" in first and "Page 1 of 2" in first
    assert "page=2" in first and "type=creators" in first
    assert "@griot29" in second


def test_no_results_offers_categories(client):
    Category.objects.create(name="Mathematics", slug="mathematics")
    html = client.get("/search/", {"q": "zzzzqqq"}).content.decode()
    assert "No results" in html and "Browse a category" in html and "?category=mathematics" in html


def test_bad_parameters_are_read_leniently(client):
    make_stream(title="Kano durbar", status="live")
    response = client.get("/search/", {"q": "kano", "type": "videos", "sort": "random", "page": "x"})
    assert response.status_code == 200
    assert "Kano durbar" in response.content.decode()
    unknown = client.get("/search/", {"q": "kano", "category": "nope"}).content.decode()
    assert "There is no such category" in unknown and "Kano durbar" in unknown


def test_empty_search_page(client):
    response = client.get("/search/")
    assert response.status_code == 200
    assert "No results" not in response.content.decode()
