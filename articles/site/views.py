"""
Public pages: the home page, the article lists, search, the article page, contributors' pages,
site pages (the editorial policy), the sitemap sections and robots.txt.

Every list shows `Article.objects.published()` only and runs a fixed number of queries. Lists
are paginated forgivingly: a page number that is not a number shows the first page, one past
the end the last, so a mistyped or outdated link still lands on articles. A list pages through
its newest `MAX_LISTED` articles only (pagination.py), so its deepest page and its count cost
the same at any size; every article stays reachable through its category, its tags, search
and the sitemap.
"""

import hashlib
from functools import partial

from django.conf import settings
from django.contrib.sitemaps import views as sitemap_views
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_safe

from ..models import Article, ArticleRedirect, Category, Contributor, SitePage, Tag
from .outline import ArticlePage
from .page_cache import FRAGMENT_CACHE_SECONDS, current_generation
from .pagination import CappedPaginator
from .search import MAX_QUERY_LENGTH, add_headlines, clean_query, search_articles
from .sitemaps import SITEMAPS

#: How long a sitemap page is kept at most; it is rebuilt sooner when its articles change.
SITEMAP_CACHE_SECONDS = 24 * 60 * 60
SITEMAP_KEY = "sitemap:{digest}"

PAGE_SIZE = 12
FEATURED_COUNT = 3
LATEST_COUNT = 9
#: The newest articles a contributor's page shows of those they wrote, and of those reviewed.
PROFILE_LIST_COUNT = 6


def can_preview(user):
    """Editors (anyone who may view articles in the admin) see drafts and scheduled articles."""
    return user.is_active and user.is_staff and user.has_perm("articles.view_article")


def paginate(request, queryset):
    """The page of `queryset` asked for by `?page=`, forgiving numbers that do not fit."""
    return CappedPaginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


@require_safe
def home(request):
    """Featured articles first, then the latest of the rest."""
    articles = Article.objects.published().for_listing()
    featured = list(articles.filter(featured=True)[:FEATURED_COUNT])
    latest = articles.exclude(pk__in=[article.pk for article in featured])[:LATEST_COUNT]
    return render(request, "articles/home.html", {"featured": featured, "latest": latest})


@require_safe
def article_list(request):
    page = paginate(request, Article.objects.published().for_listing())
    return render(request, "articles/article_list.html", {"page_obj": page})


@require_safe
def category_detail(request, slug):
    """A category's published articles. A category with none (only drafts, or nothing yet) is
    a 404, as it is absent from the navigation and the sitemap: its name is not yet public."""
    category = get_object_or_404(Category.objects.with_published_articles(), slug=slug)
    page = paginate(request, Article.objects.published().for_listing().filter(category=category))
    return render(
        request, "articles/category_detail.html", {"category": category, "page_obj": page}
    )


@require_safe
def tag_detail(request, slug):
    tag = get_object_or_404(Tag, slug=slug)
    page = paginate(request, Article.objects.published().for_listing().filter(tags=tag))
    return render(request, "articles/tag_detail.html", {"tag": tag, "page_obj": page})


@require_safe
def search(request):
    """Published articles matching `?q=`; an empty query asks for one instead of listing all.

    A page of results is a page search engines may index, under an address naming the cleaned
    query (its canonical URL): it lists real articles, and the pages a query can reach are
    capped (`CappedPaginator`). The bare form and a search that found nothing ask not to be
    indexed, as thin pages and soft 404s should.
    """
    raw_query = request.GET.get("q", "")
    query = clean_query(raw_query)
    page = None
    if query:
        page = paginate(request, search_articles(Article.objects.published().for_listing(), query))
        page.object_list = add_headlines(list(page.object_list), query)
    return render(
        request,
        "articles/search.html",
        {
            "query": query,
            "page_obj": page,
            "canonical_query": {"q": query} if query else None,
            "indexable": bool(page and page.object_list),
            "query_shortened": len(raw_query.strip()) > MAX_QUERY_LENGTH,
            "max_query_length": MAX_QUERY_LENGTH,
        },
    )


@require_safe
def article_detail(request, slug):
    """One article with everything it holds. Readers see it once it is live; editors always.

    An address the article had before its slug changed answers 301 to the current one.

    The parts of the page that are the same for every reader (social tags, JSON-LD, the article
    itself) are cached as fragments for the current content generation (`page_cache.py`), in
    each worker's memory, so they are forgotten with any change. The article's parts are
    loaded only when a fragment has to be rendered: `page` is lazy, and a cached fragment never
    touches it.
    """
    try:
        article = Article.objects.for_page().get(slug=slug)
    except Article.DoesNotExist:
        return _redirect_old_address(request, slug)
    is_preview = not article.is_live
    if is_preview and not can_preview(request.user):
        raise Http404("No article found.")
    response = render(
        request,
        "articles/article_detail.html",
        {
            "article": article,
            "page": SimpleLazyObject(partial(ArticlePage.load, article)),
            "is_preview": is_preview,
            "content_generation": current_generation().token,
            # A preview is never kept: a timeout of 0 does not store the fragment.
            "fragment_seconds": 0 if is_preview else FRAGMENT_CACHE_SECONDS,
        },
    )
    if not article.is_live:
        # A preview must never be kept by a shared cache and shown to readers.
        add_never_cache_headers(response)
        patch_cache_control(response, private=True)
    return response


def newest(articles, count):
    """The first `count` of `articles`, and whether there are more, in one query."""
    listed = list(articles[: count + 1])
    return listed[:count], len(listed) > count


@require_safe
def contributor_detail(request, slug):
    """Who a contributor is and the newest published articles they wrote and reviewed; each
    list links to all of them (`contributor_articles`) when there are more than it shows."""
    contributor = get_object_or_404(Contributor, slug=slug)
    articles = Article.objects.published().for_listing()
    written, more_written = newest(articles.filter(author=contributor), PROFILE_LIST_COUNT)
    reviewed, more_reviewed = newest(
        articles.filter(medical_reviewer=contributor), PROFILE_LIST_COUNT
    )
    return render(
        request,
        "articles/contributor_detail.html",
        {
            "contributor": contributor,
            "written": written,
            "more_written": more_written,
            "reviewed": reviewed,
            "more_reviewed": more_reviewed,
        },
    )


#: A contributor's full lists: the articles' field naming them, and the list's heading.
CONTRIBUTOR_ROLES = {
    "written": ("author", "Articles written by {name}"),
    "reviewed": ("medical_reviewer", "Articles medically reviewed by {name}"),
}


@require_safe
def contributor_articles(request, slug, role):
    """Every published article a contributor wrote (`role` "written") or reviewed, a page at
    a time, like any list."""
    contributor = get_object_or_404(Contributor, slug=slug)
    field, heading = CONTRIBUTOR_ROLES[role]
    articles = Article.objects.published().for_listing().filter(**{field: contributor})
    return render(
        request,
        "articles/contributor_articles.html",
        {
            "contributor": contributor,
            "heading": heading.format(name=contributor.name),
            "page_obj": paginate(request, articles),
        },
    )


@require_safe
def site_page(request, slug):
    """A page editors keep in the admin, such as the editorial policy."""
    return render(
        request, "articles/site_page.html", {"site_page": get_object_or_404(SitePage, slug=slug)}
    )


def _redirect_old_address(request, slug):
    redirect = (
        ArticleRedirect.objects.filter(old_slug=slug, article__in=Article.objects.published())
        .select_related("article")
        .first()
    )
    if redirect is None:
        raise Http404("No article found.")
    url = redirect.article.get_absolute_url()
    if request.META.get("QUERY_STRING"):
        url = f"{url}?{request.META['QUERY_STRING']}"
    return HttpResponsePermanentRedirect(url)


@require_safe
def sitemap_section(request, section):
    """One page of one sitemap section (`sitemaps.py`), kept in the cache until its own
    articles change: the key holds the page's fingerprint, so an edit to an article on another
    page leaves this one cached."""
    sitemap_class = SITEMAPS.get(section)
    page = request.GET.get("p", "1")
    fingerprint = (
        sitemap_class().fingerprint(int(page)) if sitemap_class and page.isdigit() else None
    )
    if fingerprint is None:
        return sitemap_views.sitemap(request, SITEMAPS, section=section)
    address = (request.scheme, request.get_host(), section, page, *fingerprint)
    key = SITEMAP_KEY.format(digest=hashlib.sha256(repr(address).encode()).hexdigest())
    stored = cache.get(key)
    if stored is None:
        response = sitemap_views.sitemap(request, SITEMAPS, section=section).render()
        stored = (response.content, dict(response.items()))
        cache.set(key, stored, SITEMAP_CACHE_SECONDS)
    content, headers = stored
    return HttpResponse(content, headers=headers)


@require_safe
def robots_txt(request):
    """Crawlers may read everything public; the sitemap index lists it.

    The admin is named only at its default address: a custom `DJANGO_ADMIN_URL` is kept out of
    this public file (the admin's own pages already ask not to be indexed).
    """
    lines = ["User-agent: *"]
    if settings.ADMIN_URL == "admin/":
        lines.append(f"Disallow: {reverse('admin:index')}")
    else:
        lines.append("Disallow:")
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
