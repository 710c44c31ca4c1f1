"""
Demo content: one complete article with everything the page can show, and two short related ones.

The main article, "How Magnesium Glycinate Supports Better Nerve Conduction", has an unheaded
introduction, sections with numbered and unnumbered sub-sections, study call-outs and in-text
statistics, a table of recommended intakes, a reference list and "You may also like" links. Its
text is our own; the figures, study details, titles and URLs are kept exactly as published.

`load_demo()` writes it all with the ORM, cleaning each object first so the demo obeys the same
rules as an editor does. `manage.py load_demo` calls it.
"""

from datetime import UTC, date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from references.models import Reference
from references.normalize import normalize_url

from . import services
from .models import (
    Article,
    Category,
    Citation,
    Contributor,
    Disclaimer,
    RDARow,
    RDATable,
    RelatedArticle,
    Section,
    Study,
    Tag,
    find_overlapping_rows,
    overlap_message,
)

SECTION = Section.Level.SECTION
SUBSECTION = Section.Level.SUBSECTION

CATEGORY = {"name": "Nerve health", "slug": "nerve-health"}

AUTHOR = {
    "name": "HSLHealing Editorial Team",
    "slug": "hslhealing-editorial-team",
    "bio": "The writers and editors who turn published research into plain-language articles.",
}

MEDICAL_REVIEWER = {
    "name": "Dr. Amelia Hart",
    "slug": "amelia-hart",
    "credentials": "MD",
    "bio": "A physician who checks articles for medical accuracy (a fictional demo profile).",
}

#: The shared reference library entries, in the order the main article lists them.
REFERENCES_RETRIEVED_ON = date(2025, 1, 8)
MAGNESIUM_AND_AGING = "https://pubmed.ncbi.nlm.nih.gov/20388094/"
MAGNESIUM_IN_AGING_HEALTH_AND_DISEASES = "https://www.mdpi.com/2072-6643/13/2/463"
LEARNING_AND_MEMORY = "https://www.sciencedirect.com/science/article/pii/S0896627309010447"
ANXIETY_AND_STRESS_REVIEW = "https://pubmed.ncbi.nlm.nih.gov/28445426/"
MAGNESIUM_IN_THE_CNS = "https://www.ncbi.nlm.nih.gov/books/NBK507256/"
INFLAMMATION_MARKERS = "https://pmc.ncbi.nlm.nih.gov/articles/PMC4321727/"

REFERENCES = [
    {"title": "Magnesium and aging", "url": MAGNESIUM_AND_AGING, "pmid": "20388094"},
    {
        "title": "Magnesium in Aging, Health and Diseases",
        "url": MAGNESIUM_IN_AGING_HEALTH_AND_DISEASES,
        "doi": "10.3390/nu13020463",
    },
    {
        "title": "Enhancement of Learning and Memory by Elevating Brain Magnesium",
        "url": LEARNING_AND_MEMORY,
    },
    {
        "title": (
            "The Effects of Magnesium Supplementation on Subjective Anxiety and Stress-A "
            "Systematic Review"
        ),
        "url": ANXIETY_AND_STRESS_REVIEW,
        "pmid": "28445426",
    },
    {"title": "Magnesium in the Central Nervous System", "url": MAGNESIUM_IN_THE_CNS},
    {
        "title": (
            "Interleukin-6, C-Reactive Protein, Tumor Necrosis Factor-alpha as Predictors of "
            "Mortality in Frail, Community-Living Elderly Individuals"
        ),
        "url": INFLAMMATION_MARKERS,
    },
]

MAIN_ARTICLE = {
    "title": "How Magnesium Glycinate Supports Better Nerve Conduction",
    "slug": "magnesium-glycinate-nerve-conduction",
    "standfirst": (
        "Nerves carry signals between the brain, the spinal cord and every other part of the "
        "body. When neuropathy, diabetes or a shortfall of nutrients gets in the way, the result "
        "is often tingling, numbness or pain in the hands and feet."
    ),
    "meta_description": (
        "How magnesium glycinate may help nerves conduct signals and ease tingling and numbness: "
        "the research, recommended intakes, dosage and safety."
    ),
    "attribution": (
        "How Magnesium Glycinate Supports Better Nerve Conduction is an original (HSLHealing) "
        "article."
    ),
    "publish_at": datetime(2025, 1, 15, 9, 0, tzinfo=UTC),
    "reviewed_on": date(2025, 1, 10),
    "featured": True,
    "tags": ["Magnesium", "Neuropathy", "Supplements"],
    "sections": [
        {
            "heading": "",
            "body": (
                "<p>Magnesium is one of the minerals healthy nerves cannot do without. Of the many "
                "forms sold as supplements, magnesium glycinate stands out: the body absorbs it "
                "well and it tends to have a settling effect. Below we look at the ways it may "
                "help nerves carry their signals and so ease tingling and numbness in the hands "
                "and feet, drawing on published research and on practical experience.</p>"
            ),
        },
        {
            "heading": "The Nervous System and Nerve Conduction",
            "body": (
                "<p>A nerve passes a message on as an electrical impulse that runs along its "
                "fibres, linking the brain and spinal cord with the peripheral nerves that reach "
                "out into the body. Three things have to work for that to happen:</p>"
                "<ul>"
                "<li><strong>Ion channels:</strong> gates for sodium, potassium and calcium ions, "
                "whose flow creates each electrical signal and carries it along the fibre.</li>"
                "<li><strong>The myelin sheath:</strong> an insulating wrap around the nerve that "
                "lets signals travel quickly and without loss.</li>"
                "<li><strong>Neurotransmitters:</strong> chemical messengers that take the signal "
                "across the synapse, the gap between one nerve cell and the next.</li>"
                "</ul>"
                "<p>If any one of them falters, people may notice pins and needles, numbness or a "
                "burning feeling, most often in the hands and feet.</p>"
            ),
        },
        {
            "heading": "Statistics on Nerve-Related Disorders",
            "body": (
                "<p>Peripheral neuropathy, in which nerves stop working as they should, is common: "
                "about 30 million people in the United States live with it, and diabetes is among "
                "its main causes (Feldman et al., 2017). Growing older and falling short on key "
                "nutrients add a great deal to the burden of nerve symptoms, which is why "
                "interventions aimed squarely at them matter.</p>"
            ),
            "studies": [
                {
                    "display": Study.Display.IN_TEXT,
                    "authors": "Feldman et al.",
                    "year": 2017,
                    "finding": (
                        "Around 30 million people in the United States have peripheral "
                        "neuropathy, and diabetes is one of its leading causes."
                    ),
                    "effect_figure": "30 million",
                    "study_type": Study.StudyType.POPULATION,
                }
            ],
        },
        {
            "heading": "The Role of Magnesium in Nerve Health",
            "body": (
                "<p>Magnesium is central to keeping nerves healthy and able to conduct signals. "
                "Several of the processes nerves rely on need it:</p>"
                "<ul>"
                "<li><strong>Ion channel regulation:</strong> it tunes the calcium, sodium and "
                "potassium channels, which keeps nerve cells from becoming overexcitable.</li>"
                "<li><strong>Neurotransmitter balance:</strong> it has a say in how much glutamate "
                "and other neurotransmitters are released, so signals pass on cleanly instead of "
                "overstimulating the next cell.</li>"
                "<li><strong>Myelin maintenance:</strong> it takes part in building and repairing "
                "myelin, the coating that protects nerves.</li>"
                "</ul>"
            ),
        },
        {
            "heading": "Why Magnesium Deficiency Affects Nerve Function",
            "body": (
                "<p>Running short of magnesium is common: research indicates that 50-60% of U.S. "
                "adults take in less than the recommended daily amount (Rosanoff et al., 2012). "
                "When levels are low, nerves can suffer in three ways:</p>"
                "<ul>"
                "<li>They become more excitable, which shows up as twitching or tingling.</li>"
                "<li>Less myelin is made, so signals travel more slowly.</li>"
                "<li>The balance of calcium is upset, and nerves can be damaged as a result.</li>"
                "</ul>"
            ),
            "studies": [
                {
                    "display": Study.Display.IN_TEXT,
                    "authors": "Rosanoff et al.",
                    "year": 2012,
                    "finding": (
                        "An estimated 50-60% of U.S. adults get less magnesium than the "
                        "recommended daily amount."
                    ),
                    "effect_figure": "50-60%",
                    "study_type": Study.StudyType.POPULATION,
                }
            ],
        },
        {
            "heading": "Why Magnesium Glycinate for Nerve Health",
            "body": (
                "<p>In magnesium glycinate the mineral is chelated, that is bound, to the amino "
                "acid glycine. This form suits nerve health because it is absorbed well and has a "
                "calming character. Glycine adds something of its own: it works as an inhibitory "
                "neurotransmitter, damping down overactive nerves and so reinforcing what "
                "magnesium does.</p>"
                "<p><strong>Key advantages of magnesium glycinate:</strong></p>"
                "<ul>"
                "<li><strong>High bioavailability:</strong> the gut takes it up readily, so a "
                "larger share of the magnesium gets through to nerve cells.</li>"
                "<li><strong>Fewer gastrointestinal side effects:</strong> it is kinder to the "
                "stomach than magnesium citrate or oxide and less apt to cause diarrhea.</li>"
                "<li><strong>Dual action:</strong> glycine brings calming and anti-inflammatory "
                "effects of its own, adding to the benefit for nerves.</li>"
                "</ul>"
            ),
        },
        {
            "heading": "How Magnesium Glycinate Enhances Nerve Conduction",
            "number_subsections": True,
        },
        {
            "heading": "Regulating Calcium Overload in Nerves",
            "level": SUBSECTION,
            "body": (
                "<p>Nerves need calcium to work, but when too much of it builds up inside nerve "
                "cells they turn overexcitable and can be harmed. Magnesium behaves like a calcium "
                "blocker supplied by nature: it holds back overstimulation and shields nerves from "
                "oxidative stress.</p>"
            ),
            "studies": [
                {
                    "label": "Clinical Insight",
                    "journal": "Neuroscience Research",
                    "authors": "Xu et al.",
                    "year": 2013,
                    "finding": (
                        "In animal models of neuropathy, supplemental magnesium eased the "
                        "overload of calcium in nerves and raised nerve conduction velocity."
                    ),
                    "study_type": Study.StudyType.ANIMAL,
                }
            ],
        },
        {
            "heading": "Supporting Myelin Synthesis and Repair",
            "level": SUBSECTION,
            "body": (
                "<p>Myelin is what lets nerves conduct quickly and efficiently. Neuropathic "
                "conditions often damage it, and then signals slow down and symptoms such as "
                "numbness get worse.</p>"
            ),
            "studies": [
                {
                    "label": "Research Findings",
                    "journal": "Brain Research Bulletin",
                    "authors": "Barbagallo & Dominguez",
                    "year": 2010,
                    "finding": (
                        "A lack of magnesium held back the making of myelin; supplementing it "
                        "brought myelin integrity back and improved how nerves worked."
                    ),
                    "study_type": Study.StudyType.REVIEW,
                    "reference": MAGNESIUM_AND_AGING,
                }
            ],
        },
        {
            "heading": "Reducing Inflammation in Nerve Tissue",
            "level": SUBSECTION,
            "body": (
                "<p>Inflammation that lingers can injure nerve fibres and interrupt conduction. "
                "Magnesium glycinate counters it: it helps keep the immune response in proportion "
                "and lowers the output of pro-inflammatory cytokines.</p>"
            ),
            "studies": [
                {
                    "label": "Study Highlight",
                    "journal": "Magnesium Research",
                    "authors": "Zhao et al.",
                    "year": 2020,
                    "finding": (
                        "Supplemental magnesium brought the inflammation markers interleukin-6 "
                        "(IL-6) and C-reactive protein (CRP) down by 20-30%, to the benefit of "
                        "nerve health."
                    ),
                    "effect_figure": "20-30%",
                }
            ],
        },
        {
            "heading": "Enhancing Neurotransmitter Function",
            "level": SUBSECTION,
            "body": (
                "<p>Nerve signals depend on neurotransmitters doing their job. Magnesium keeps "
                "excitatory messengers such as glutamate in check and backs up inhibitory ones "
                "such as GABA, so that nerve activity stays in balance.</p>"
            ),
            "studies": [
                {
                    "label": "Clinical Evidence",
                    "journal": "Journal of Neural Transmission",
                    "authors": "Zeng et al.",
                    "year": 2015,
                    "finding": (
                        "In people whose peripheral neuropathy was caused by diabetes, "
                        "supplemental magnesium improved nerve conduction and eased neuropathic "
                        "symptoms."
                    ),
                    "study_type": Study.StudyType.RANDOMISED_TRIAL,
                }
            ],
        },
        {
            "heading": "Protecting Against Oxidative Stress",
            "level": SUBSECTION,
            "body": (
                "<p>Because nerve cells use so much energy, oxidative damage hits them especially "
                "hard. Antioxidant enzymes need magnesium as a cofactor; with it they neutralise "
                "free radicals before those can harm nerves.</p>"
            ),
            "studies": [
                {
                    "label": "Research Insight",
                    "journal": "Free Radical Biology and Medicine",
                    "authors": "Rondanelli et al.",
                    "year": 2015,
                    "finding": (
                        "Supplemental magnesium raised the activity of antioxidant enzymes by "
                        "35% and lowered oxidative stress in nerve tissue."
                    ),
                    "effect_figure": "35%",
                }
            ],
        },
        {"heading": "Practical Benefits of Magnesium Glycinate for Nerve Health"},
        {
            "heading": "Daily Supplementation",
            "level": SUBSECTION,
            "body": (
                "<p>Taking magnesium glycinate every day keeps nerve cells steadily supplied with "
                "magnesium, which supports nerve conduction, and relief from symptoms, over the "
                "long term.</p>"
            ),
        },
        {
            "heading": "Combination with Other Therapies",
            "level": SUBSECTION,
            "body": (
                "<p>Magnesium glycinate pairs well with other approaches, each of which adds "
                "something different:</p>"
                "<ul>"
                "<li><strong>Vitamin B12:</strong> needed to repair myelin and regrow nerves.</li>"
                "<li><strong>Alpha-lipoic acid:</strong> lowers oxidative stress in nerve "
                "tissue.</li>"
                "<li><strong>Acetyl-L-carnitine:</strong> helps nerve cells produce energy.</li>"
                "</ul>"
            ),
        },
        {
            "heading": "Addressing Specific Conditions",
            "level": SUBSECTION,
            "body": (
                "<p>Some people may gain the most from magnesium glycinate:</p>"
                "<ul>"
                "<li><strong>Diabetic neuropathy:</strong> it can ease tingling and burning.</li>"
                "<li><strong>Idiopathic neuropathy:</strong> it can help with nerve pain and "
                "discomfort that have no known cause.</li>"
                "<li><strong>Chemotherapy-induced neuropathy:</strong> it helps nerves recover "
                "once treatment has ended.</li>"
                "</ul>"
            ),
        },
        {
            "heading": "Dosage and Safety Considerations",
            "body": (
                "<p>The Recommended Dietary Allowance (RDA) for magnesium depends on age and sex: "
                "adults need between 310 and 420 mg a day. The full figures are in the table of "
                "recommended intakes further down this page.</p>"
                # The dose range keeps the source's en dash.
                "<p>When the aim is nerve health, 200–400 mg of magnesium glycinate a day is a "
                "typical dose. It is generally well tolerated, though taking too much can mildly "
                "upset the stomach. Anyone with kidney disease or another medical condition "
                "should talk to a healthcare provider before starting a supplement.</p>"
            ),
        },
        {
            "heading": "Future Research Directions",
            "body": (
                "<p>Studies so far point to a role for magnesium glycinate in nerve health, but "
                "questions remain open, among them:</p>"
                "<ul>"
                "<li>what it does for nerve regeneration and symptoms over the long term;</li>"
                "<li>how well it works in neuropathic conditions compared with other forms of "
                "magnesium;</li>"
                "<li>whether it could help in rare nerve disorders such as Guillain-Barré "
                "syndrome.</li>"
                "</ul>"
            ),
        },
        {
            "heading": "Conclusion: Magnesium Glycinate for Optimal Nerve Health",
            "body": (
                "<p>Research backs magnesium glycinate as a way to improve nerve conduction and "
                "lessen tingling and numbness in the hands and feet. It works on underlying causes "
                "of nerve trouble: it keeps calcium in check, calms inflammation and helps myelin "
                "repair itself. Good absorption and few side effects make it a sound option for "
                "people who want to look after their nerves naturally.</p>"
                "<p>If you have nerve symptoms, a daily dose of magnesium glycinate may bring real "
                "relief and a better quality of life. Check with a healthcare provider first about "
                "the right dose and whether it is safe for you.</p>"
            ),
        },
    ],
    "rda_tables": [
        {
            "nutrient": "Magnesium",
            "unit": RDATable.Unit.MG,
            "source_note": (
                "Food and Nutrition Board, National Academies (via NIH Office of Dietary "
                "Supplements)"
            ),
            "upper_limit": Decimal("350"),
            "upper_limit_applies_to": "adults, from supplements only",
            "rows": [
                {"life_stage": RDARow.LifeStage.MEN, "age_from": 19, "age_to": 30, "amount": 400},
                {"life_stage": RDARow.LifeStage.MEN, "age_from": 31, "age_to": None, "amount": 420},
                {"life_stage": RDARow.LifeStage.WOMEN, "age_from": 19, "age_to": 30, "amount": 310},
                {
                    "life_stage": RDARow.LifeStage.WOMEN,
                    "age_from": 31,
                    "age_to": None,
                    "amount": 320,
                },
            ],
        }
    ],
    #: Source order; "Magnesium and aging" appears twice in the source and is cited once.
    "citations": [
        MAGNESIUM_AND_AGING,
        MAGNESIUM_IN_AGING_HEALTH_AND_DISEASES,
        LEARNING_AND_MEMORY,
        ANXIETY_AND_STRESS_REVIEW,
        MAGNESIUM_IN_THE_CNS,
        INFLAMMATION_MARKERS,
    ],
    "related": [
        "magnesium-glycinate-and-brain-plasticity-enhancing-cognitive-resilience",
        "the-science-of-magnesium-glycinate-and-its-impact-on-brain-function",
    ],
}

RELATED_ARTICLES = [
    {
        "title": "Magnesium Glycinate and Brain Plasticity: Enhancing Cognitive Resilience",
        "slug": "magnesium-glycinate-and-brain-plasticity-enhancing-cognitive-resilience",
        "standfirst": (
            "The brain keeps rewiring itself throughout life. What research says about "
            "magnesium's part in that, and where magnesium glycinate fits in."
        ),
        "publish_at": datetime(2024, 12, 12, 9, 0, tzinfo=UTC),
        "reviewed_on": date(2024, 12, 5),
        "tags": ["Magnesium", "Brain health", "Supplements"],
        "sections": [
            {
                "heading": "",
                "body": (
                    "<p>Brain plasticity is the brain's ability to strengthen, weaken and rebuild "
                    "the connections between nerve cells as we learn and adapt. A resilient "
                    "memory and a flexible mind depend on it, and magnesium is among the "
                    "nutrients the process relies on.</p>"
                ),
            },
            {
                "heading": "Magnesium at the Synapse",
                "body": (
                    "<p>Magnesium sits inside the NMDA receptor, a channel at the heart of "
                    "learning, and helps decide when it opens. In laboratory studies, raising the "
                    "level of magnesium in the brain improved learning and memory in animals, a "
                    "sign that the mineral matters for how synapses change.</p>"
                ),
            },
            {
                "heading": "Where Magnesium Glycinate Fits",
                "body": (
                    "<p>Magnesium glycinate is well absorbed and gentle on the stomach, which "
                    "makes it an easy way to keep daily intake up. Studies in people of whether it "
                    "improves plasticity itself are still scarce, so treat it as support for a "
                    "diet that already covers the basics, and ask a healthcare provider before "
                    "you start.</p>"
                ),
            },
        ],
        "citations": [LEARNING_AND_MEMORY, MAGNESIUM_IN_THE_CNS],
        "related": ["magnesium-glycinate-nerve-conduction"],
    },
    {
        "title": "The Science of Magnesium Glycinate and its Impact on Brain Function",
        "slug": "the-science-of-magnesium-glycinate-and-its-impact-on-brain-function",
        "standfirst": (
            "Magnesium takes part in how brain cells signal, make energy and cope with stress. A "
            "short guide to the evidence, and to why the glycinate form is popular."
        ),
        "publish_at": datetime(2024, 11, 20, 9, 0, tzinfo=UTC),
        "reviewed_on": date(2024, 11, 14),
        "tags": ["Magnesium", "Brain health", "Supplements"],
        "sections": [
            {
                "heading": "",
                "body": (
                    "<p>Every signal in the brain depends on minerals moving in and out of nerve "
                    "cells in the right balance. Magnesium is one of the most important of them, "
                    "and the glycinate form is a popular way to take it because it is well "
                    "absorbed and easy on the stomach.</p>"
                ),
            },
            {
                "heading": "Magnesium and the Brain's Signalling",
                "body": (
                    "<p>In the central nervous system magnesium steadies nerve cells: it limits "
                    "excessive excitation through NMDA receptors and helps the cells make the "
                    "energy they run on.</p>"
                ),
            },
            {
                "heading": "Mood, Stress and Magnesium",
                "body": (
                    "<p>A systematic review of magnesium supplements found evidence, suggestive "
                    "but not strong, that they may ease subjective anxiety in people prone to it. "
                    "Its authors called for better-designed trials before firm conclusions are "
                    "drawn.</p>"
                ),
            },
        ],
        "citations": [MAGNESIUM_IN_THE_CNS, ANXIETY_AND_STRESS_REVIEW],
        "related": ["magnesium-glycinate-nerve-conduction"],
    },
]

ARTICLES = [MAIN_ARTICLE, *RELATED_ARTICLES]


@transaction.atomic
def load_demo(*, stdout=None):
    """Create the demo articles and everything they need, and return True; return False and
    change nothing when the main demo article already exists.

    Categories, tags, people and references that already exist (by slug, name or normalised
    URL) are reused. Progress lines go to `stdout` when one is given."""
    if Article.objects.filter(slug=MAIN_ARTICLE["slug"]).exists():
        return False
    category = _get_or_create(Category, slug=CATEGORY["slug"], defaults=CATEGORY)
    author = _get_or_create(Contributor, slug=AUTHOR["slug"], defaults=AUTHOR)
    reviewer = _get_or_create(Contributor, slug=MEDICAL_REVIEWER["slug"], defaults=MEDICAL_REVIEWER)
    references = {data["url"]: _get_or_create_reference(data) for data in REFERENCES}

    articles = {}
    for data in ARTICLES:
        articles[data["slug"]] = _create_article(
            data, category=category, author=author, reviewer=reviewer, references=references
        )
        _say(stdout, f"Created “{data['title']}”.")
    for data in ARTICLES:
        for position, slug in enumerate(data.get("related", []), start=1):
            _save(
                RelatedArticle(
                    article=articles[data["slug"]], related=articles[slug], position=position
                )
            )
    services.cite_study_references(article=articles[MAIN_ARTICLE["slug"]])
    return True


def _create_article(data, *, category, author, reviewer, references):
    article = _save(
        Article(
            title=data["title"],
            slug=data["slug"],
            standfirst=data["standfirst"],
            category=category,
            author=author,
            medical_reviewer=reviewer,
            reviewed_on=data["reviewed_on"],
            status=Article.Status.PUBLISHED,
            publish_at=data["publish_at"],
            featured=data.get("featured", False),
            attribution=data.get("attribution", ""),
            meta_description=data.get("meta_description", ""),
        )
    )
    article.tags.set(
        [_get_or_create(Tag, name=name, defaults={"slug": slugify(name)}) for name in data["tags"]]
    )
    article.disclaimers.set(Disclaimer.objects.defaults())
    for position, section_data in enumerate(data["sections"], start=1):
        _create_section(article, position, section_data, references)
    for position, table_data in enumerate(data.get("rda_tables", []), start=1):
        _create_rda_table(article, position, table_data)
    for position, url in enumerate(data.get("citations", []), start=1):
        _save(Citation(article=article, reference=references[url], position=position))
    return article


def _create_section(article, position, data, references):
    section = _save(
        Section(
            article=article,
            position=position,
            heading=data["heading"],
            level=data.get("level", SECTION),
            number_subsections=data.get("number_subsections", False),
            body=data.get("body", ""),
        )
    )
    for study_position, study in enumerate(data.get("studies", []), start=1):
        reference_url = study.get("reference")
        fields = {key: value for key, value in study.items() if key != "reference"}
        _save(
            Study(
                section=section,
                position=study_position,
                reference=references[reference_url] if reference_url else None,
                **fields,
            )
        )


def _create_rda_table(article, position, data):
    fields = {key: value for key, value in data.items() if key != "rows"}
    table = _save(RDATable(article=article, position=position, **fields))
    rows = [
        RDARow(table=table, position=row_position, **row)
        for row_position, row in enumerate(data["rows"], start=1)
    ]
    overlap = find_overlapping_rows(rows)
    if overlap:
        raise ValidationError(overlap_message(*overlap))
    for row in rows:
        _save(row)


def _get_or_create_reference(data):
    """The library's reference for this URL: the existing one, or a new one."""
    existing = Reference.objects.filter(normalized_url=normalize_url(data["url"])).first()
    if existing:
        return existing
    return _save(Reference(retrieved_on=REFERENCES_RETRIEVED_ON, **data))


def _get_or_create(model, defaults=None, **lookup):
    existing = model.objects.filter(**lookup).first()
    if existing:
        return existing
    return _save(model(**{**(defaults or {}), **lookup}))


def _save(instance):
    instance.full_clean()
    instance.save()
    return instance


def _say(stdout, message):
    if stdout is not None:
        stdout.write(message)
