/**
 * The part of the Python driver (python-driver.source.ts) that shapes what a cell shows the way
 * Jupyter stores it: the last value's mime bundle (text/plain plus the object's richer
 * representations), displays, figures as the inline backend renders them, and the error output
 * with its traceback. Prepended to the driver, so the driver's `_send`, `_flush_streams`,
 * `_limit` and `_table` are found when these functions run.
 */
export const PYTHON_OUTPUTS = String.raw`
import base64, importlib.machinery, io, json, sys, traceback, types

TABLE_MIME = "application/vnd.parallax.table+json"
_RICH_REPRS = (
    ("_repr_html_", "text/html"),
    ("_repr_markdown_", "text/markdown"),
    ("_repr_svg_", "image/svg+xml"),
    ("_repr_png_", "image/png"),
    ("_repr_jpeg_", "image/jpeg"),
    ("_repr_latex_", "text/latex"),
    ("_repr_json_", "application/json"),
)


def _emit(output):
    """Streams written before an output come before it, as they happened; the output is capped first.
    Under %%capture a display is kept (as IPython keeps it, a result too) instead of shown."""
    if _captured_outputs is not None and output["output_type"] != "error":
        _captured_outputs.append(_limit({"output_type": "display_data", "data": output["data"], "metadata": output.get("metadata", {})}))
        return
    _flush_streams()
    _send({"type": "output", "output": _limit(output)})


def _figure_png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _rich(value):
    """The mime types IPython's formatters would add to text/plain, from the object's own _repr_*_ methods."""
    data = {}
    bundle = getattr(value, "_repr_mimebundle_", None)
    if callable(bundle) and not isinstance(value, type):
        try:
            result = bundle()
            data.update(result[0] if isinstance(result, tuple) else result or {})
        except Exception:
            pass
    for method, mime in _RICH_REPRS:
        render = getattr(value, method, None)
        if mime in data or not callable(render) or isinstance(value, type):
            continue
        try:
            shown = render()
        except Exception:
            continue
        if isinstance(shown, tuple):
            shown = shown[0]
        if isinstance(shown, bytes):
            shown = base64.b64encode(shown).decode("ascii")
        if shown is not None:
            data[mime] = shown
    return data


def _bundle(value):
    """An object's Jupyter mime bundle: text/plain always, richer types where the object has them."""
    modules = sys.modules
    if "matplotlib" in modules:
        try:
            from matplotlib.figure import Figure
            if isinstance(value, Figure):
                return {"image/png": _figure_png(value), "text/plain": repr(value)}
        except Exception:
            pass
    if "pandas" in modules:
        try:
            import pandas
            if isinstance(value, (pandas.DataFrame, pandas.Series)):
                frame = value.to_frame() if isinstance(value, pandas.Series) else value
                data = {TABLE_MIME: _table(frame), "text/plain": repr(value)}
                html = value._repr_html_() if isinstance(value, pandas.DataFrame) else None
                if html is not None:
                    data["text/html"] = html
                return data
        except Exception:
            pass
    if "plotly" in modules:
        try:
            from plotly.basedatatypes import BaseFigure
            if isinstance(value, BaseFigure):
                return {"application/vnd.plotly.v1+json": json.loads(value.to_json())}
        except Exception:
            pass
    if "altair" in modules:
        try:
            import altair
            if isinstance(value, altair.TopLevelMixin):
                return {"application/vnd.vegalite.v6+json": value.to_dict()}
        except Exception:
            pass
    data = _rich(value)
    data["text/plain"] = repr(value)
    return data


def _last_value_hidden(code):
    """IPython's rule: a cell whose last line ends with ';' shows no result."""
    lines = [line for line in code.rstrip().splitlines() if line.strip() and not line.strip().startswith("#")]
    return bool(lines) and lines[-1].split("#")[0].rstrip().endswith(";")


def _show_figures(shown=()):
    """Renders every open pyplot figure as a display and closes them all, as the inline backend does
    after a cell and on plt.show(); a figure already shown as the cell's value is not shown twice."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is None:
        return
    try:
        from matplotlib._pylab_helpers import Gcf
        for manager in Gcf.get_all_fig_managers():
            figure = manager.canvas.figure
            if not any(figure is other for other in shown):
                _emit({"output_type": "display_data", "data": {"image/png": _figure_png(figure), "text/plain": repr(figure)}, "metadata": {}})
        pyplot.close("all")
    except Exception as error:
        sys.stderr.write("could not render a figure: " + repr(error) + "\n")


def _show(*args, **kwargs):
    _show_figures()


class _PyplotHook:
    """Gives matplotlib.pyplot our show() as soon as it is imported (before a cell can call it),
    instead of the Agg backend's, which only warns that it cannot show anything."""

    busy = False

    def find_spec(self, name, path=None, target=None):
        if name != "matplotlib.pyplot" or self.busy:
            return None
        self.busy = True
        try:
            spec = importlib.machinery.PathFinder.find_spec(name, path)
        finally:
            self.busy = False
        loader = getattr(spec, "loader", None)
        if loader is None or not hasattr(loader, "exec_module"):
            return spec
        load = loader.exec_module

        def exec_module(module):
            load(module)
            module.show = _show

        loader.exec_module = exec_module
        return spec


sys.meta_path.insert(0, _PyplotHook())


def _user_frames(tb):
    """The traceback without the driver's own frames (a magic's helper between the cell and its code)."""
    kept = []
    while tb is not None:
        if tb.tb_frame.f_globals is not globals():
            kept.append(tb)
        tb = tb.tb_next
    chain = None
    for item in reversed(kept):
        chain = types.TracebackType(chain, item.tb_frame, item.tb_lasti, item.tb_lineno)
    return chain


def _error_output(error, filename, prefix):
    """nbformat's error output: the traceback from the cell's own first frame, one line per item."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != filename:
        tb = tb.tb_next
    tb = _user_frames(tb)
    if isinstance(error, SyntaxError) or tb is None:
        chunks = traceback.format_exception_only(type(error), error)
    else:
        chunks = traceback.format_exception(type(error), error, tb)
    text = "".join(chunks).replace(prefix, "").rstrip("\n")
    return {"output_type": "error", "ename": type(error).__name__, "evalue": str(error).replace(prefix, ""), "traceback": text.split("\n")}
`;
