"""
An RDA table's rows arranged as the NIH Office of Dietary Supplements draws them: age bands down,
Male / Female / Pregnancy / Lactation across.

Editors enter one `RDARow` per life stage and age band, in any combination; `intake_grid` turns
them into the rows and cells of that grid. Infants and children have one value for both sexes,
so their cell spans the Male and Female columns. Only the columns some row fills are shown. No
row is ever dropped: a value that would land in a cell already taken starts a grid row of its
own, and a band shared by children and adults is split into two rows, the children's named.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from ..models import RDARow

Stage = RDARow.LifeStage

#: The grid's columns in NIH's order, with the life stage each one shows.
COLUMNS = [
    ("male", _("Male"), Stage.MEN),
    ("female", _("Female"), Stage.WOMEN),
    ("pregnancy", _("Pregnancy"), Stage.PREGNANCY),
    ("lactation", _("Lactation"), Stage.LACTATION),
]
SEX_COLUMNS = ("male", "female")
#: Life stages with one value for both sexes.
YOUNG_STAGES = (Stage.INFANTS, Stage.CHILDREN)


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    #: The id of its header cell, which the data cells under it name.
    id: str


@dataclass
class Cell:
    """One data cell: the row it shows (None when no value is stated) and the columns it spans."""

    columns: list
    row: RDARow | None = None
    #: The ids of the header cells that describe it (its row's, then its columns'), set when
    #: the grid is complete.
    headers: str = ""

    @property
    def span(self):
        return len(self.columns)

    @property
    def is_adequate_intake(self):
        return self.row is not None and self.row.intake_type == RDARow.IntakeType.ADEQUATE_INTAKE


@dataclass
class GridRow:
    label: str
    young: bool
    cells: dict = field(default_factory=dict)  # column key -> Cell
    #: The id of its header cell, set when the grid is complete.
    id: str = ""

    def ordered_cells(self, columns):
        """The row's cells left to right, a spanning cell once, empty cells where none is set."""
        cells, seen = [], set()
        for column in columns:
            cell = self.cells.get(column.key) or Cell(columns=[column])
            if id(cell) not in seen:
                seen.add(id(cell))
                cells.append(cell)
        return cells


@dataclass
class IntakeGrid:
    columns: list
    rows: list  # (GridRow, [Cell, ...]) pairs, youngest band first

    @property
    def has_adequate_intake(self):
        return any(cell.is_adequate_intake for _row, cells in self.rows for cell in cells)

    @property
    def column_count(self):
        """Columns including the age column: what a note spanning the whole table spans."""
        return len(self.columns) + 1


def band_label(row):
    """The age band as NIH writes it: "Birth to 6 months", "1–3 years", "51+ years"."""
    if row.age_from == 0 and row.age_to is not None:
        return _("Birth to %(end)s %(unit)s") % {
            "end": row.age_to,
            "unit": row.get_age_unit_display(),
        }
    if row.age_to is None:
        return _("%(start)s+ %(unit)s") % {
            "start": row.age_from,
            "unit": row.get_age_unit_display(),
        }
    return row.age_band


def intake_grid(rows, *, anchor="rda"):
    """The grid of `rows` (an RDA table's `RDARow`s, in any order). `anchor` begins the ids of
    its header cells (`<anchor>-male`, `<anchor>-r1` …), unique on the page, so that each data
    cell can name its headers."""
    rows = sorted(rows, key=_age_order)
    young_present = any(row.life_stage in YOUNG_STAGES for row in rows)
    used = {key for key, _label, stage in COLUMNS if any(r.life_stage == stage for r in rows)}
    if young_present:
        used.update(SEX_COLUMNS)
    columns = [
        Column(key, label, f"{anchor}-{key}") for key, label, _stage in COLUMNS if key in used
    ]
    sex_columns = [column for column in columns if column.key in SEX_COLUMNS]

    grid_rows = []
    for row in rows:
        young = row.life_stage in YOUNG_STAGES
        if young:
            targets = sex_columns
        else:
            targets = [column for column in columns if _stage_of(column) == row.life_stage]
        label = band_label(row)
        grid_row = next(
            (
                candidate
                for candidate in grid_rows
                if candidate.label == label
                and candidate.young == young
                and not any(column.key in candidate.cells for column in targets)
            ),
            None,
        )
        if grid_row is None:
            grid_row = GridRow(label=label, young=young)
            grid_rows.append(grid_row)
        cell = Cell(columns=targets, row=row)
        for column in targets:
            grid_row.cells[column.key] = cell

    _name_shared_bands(grid_rows)
    laid_out = []
    for number, grid_row in enumerate(grid_rows, start=1):
        grid_row.id = f"{anchor}-r{number}"
        cells = grid_row.ordered_cells(columns)
        for cell in cells:
            cell.headers = " ".join([grid_row.id, *(column.id for column in cell.columns)])
        laid_out.append((grid_row, cells))
    return IntakeGrid(columns=columns, rows=laid_out)


def _stage_of(column):
    return next(stage for key, _label, stage in COLUMNS if key == column.key)


def _age_order(row):
    """Youngest band first; among equal bands, children before adults, then NIH's column order."""
    start, end = row.age_range_in_months()
    stages = [stage for *_rest, stage in COLUMNS]
    stage_order = -1 if row.life_stage in YOUNG_STAGES else stages.index(row.life_stage)
    return (start, end is None, end or 0, stage_order, row.position, row.pk or 0)


def _name_shared_bands(grid_rows):
    """Where children and adults share a band, the children's row says whose it is."""
    adult_labels = {row.label for row in grid_rows if not row.young}
    for grid_row in grid_rows:
        if grid_row.young and grid_row.label in adult_labels:
            stage = next(iter(grid_row.cells.values())).row.get_life_stage_display()
            grid_row.label = f"{stage}, {grid_row.label}"
