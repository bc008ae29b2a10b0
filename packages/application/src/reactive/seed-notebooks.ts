import { emptyCell, type ReactiveNotebook } from "@parallax/domain/reactive";

/** The two notebooks §B's origin gave each user: `demo` (x, y, a plot, a data frame) and `blank`. */
export function seedNotebooks(): ReactiveNotebook[] {
  const demo: ReactiveNotebook = {
    id: "demo",
    name: "Demo notebook",
    db_conn_string: null,
    revision: 0,
    cells: [
      emptyCell("demo-x", "python", "x = 5"),
      emptyCell("demo-y", "python", 'y = x * 2\nprint(f"y = {y}")'),
      emptyCell(
        "demo-plot",
        "python",
        "import matplotlib.pyplot as plt\n\nfig, ax = plt.subplots()\nax.plot(list(range(x)), [i * y for i in range(x)])\nax.set_title(f\"y = {y}\")\nfig",
      ),
      emptyCell(
        "demo-frame",
        "python",
        'import pandas as pd\n\ndf = pd.DataFrame({"i": list(range(x)), "i_times_y": [i * y for i in range(x)]})\ndf',
      ),
    ],
  };
  const blank: ReactiveNotebook = {
    id: "blank",
    name: "Blank notebook",
    db_conn_string: null,
    revision: 0,
    cells: [emptyCell("blank-1", "python")],
  };
  return [demo, blank];
}
