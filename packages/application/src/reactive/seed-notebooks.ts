import { newCodeCell, type ReactiveDocument } from "@parallax/domain/reactive";

/**
 * The demo's plot and table need matplotlib and pandas, which a bare python3 lacks: its first
 * cell imports them if it can and otherwise says how to install them, and the cells that need
 * them say they were skipped instead of failing with ModuleNotFoundError.
 */
const SETUP = `try:
    import matplotlib.pyplot as plt
    import pandas as pd
except ImportError as missing:
    plt = pd = None
    print(f"The plot and table cells need matplotlib and pandas ({missing}).")
    print("Install them for the python3 that runs cells, e.g. on Debian/Ubuntu:")
    print("    sudo apt-get install python3-matplotlib python3-pandas python3-numpy")
    print("or: python3 -m pip install matplotlib pandas")
else:
    print("matplotlib and pandas are ready")`;

const PLOT = `if plt is None:
    print("Skipped: matplotlib is not installed (see the first cell).")
else:
    fig, ax = plt.subplots()
    ax.plot(list(range(x)), [i * y for i in range(x)])
    ax.set_title(f"y = {y}")`;

const FRAME = `if pd is None:
    df = None
    print("Skipped: pandas is not installed (see the first cell).")
else:
    df = pd.DataFrame({"i": list(range(x)), "i_times_y": [i * y for i in range(x)]})
df`;

/** The ids §B's editor may use for "my demo" and "my blank" notebook (the socket path `/ws/notebooks/demo`). */
const ALIASES = ["demo", "blank"] as const;

/** `demo`/`blank` name the user's own `demo-{uid}`/`blank-{uid}`; any other id names itself. */
export function ownNotebookId(id: string, userId: string): string {
  return (ALIASES as readonly string[]).includes(id) ? `${id}-${userId}` : id;
}

/**
 * The two notebooks §B's origin gave each user, `demo-{uid}` (x, y, a plot, a data frame) and
 * `blank-{uid}`: the editor opens them after its first list, and can do nothing with an empty one.
 */
export function seedNotebooks(userId: string): ReactiveDocument[] {
  const demo: ReactiveDocument = {
    id: ownNotebookId("demo", userId),
    name: "Demo notebook",
    db_conn_string: null,
    revision: 0,
    cells: [
      newCodeCell("demo-setup", "python", SETUP),
      newCodeCell("demo-x", "python", "x = 5"),
      newCodeCell("demo-y", "python", 'y = x * 2\nprint(f"y = {y}")'),
      newCodeCell("demo-plot", "python", PLOT),
      newCodeCell("demo-frame", "python", FRAME),
    ],
  };
  const blank: ReactiveDocument = {
    id: ownNotebookId("blank", userId),
    name: "Blank notebook",
    db_conn_string: null,
    revision: 0,
    cells: [newCodeCell("blank-1", "python")],
  };
  return [demo, blank];
}
