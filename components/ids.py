"""Component ids shared across pages (page-local ids live at the top of each page)."""

#: The workspace: dcc.Store(storage_type="session") defined in app.py.
WORKSPACE = "workspace-store"
#: "light" or "dark", written by the theme switch.
THEME = "theme-store"
THEME_SWITCH = "theme-switch"
#: Both plotly templates, so the browser can re-theme figures without a server call.
FIGURE_TEMPLATES = "figure-templates-store"
#: The URL of the current page (dcc.Location in app.py).
URL = "url"
#: Pattern-matching type of every graph made by components.figures.graph().
GRAPH_TYPE = "pd-graph"
#: Graphs that keep their own template (the presentation view stays light).
GRAPH_FIXED_TYPE = "pd-graph-fixed"
#: Server-side chart export: the download and where export errors show.
EXPORT_DOWNLOAD = "export-download"
EXPORT_ALERT = "export-alert"
#: The last settings query of each page, {path: "a=1&b=2"}: dcc.Store(storage_type="session") in app.py,
#: written by components.urlstate; the navbar links reopen each page with it.
PAGE_SETTINGS = "page-settings-store"
#: The navbar's breach badge (app.py): its holder, and the badge itself when limits are breached.
BREACH_BADGE = "breach-badge"
BREACH_COUNT = "breach-count"
