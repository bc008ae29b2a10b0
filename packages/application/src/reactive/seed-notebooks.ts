import { newCodeCell, type ReactiveDocument } from "@parallax/domain/reactive";

/** The two notebooks §B's origin gave each user: `demo` (x, y, a plot, a data frame) and `blank`. */
export function seedNotebooks(): ReactiveDocument[] {
  const demo: ReactiveDocument = {
    id: "demo",
    name: "Demo notebook",
    db_conn_string: null,
    revision: 0,
    cells: [
      newCodeCell("demo-x", "python", "x = 5"),
      newCodeCell("demo-y", "python", 'y = x * 2\nprint(f"y = {y}")'),
      newCodeCell(
        "demo-plot",
        "python",
        "import matplotlib.pyplot as plt\n\nfig, ax = plt.subplots()\nax.plot(list(range(x)), [i * y for i in range(x)])\nax.set_title(f\"y = {y}\")\nfig",
      ),
      newCodeCell(
        "demo-frame",
        "python",
        'import pandas as pd\n\ndf = pd.DataFrame({"i": list(range(x)), "i_times_y": [i * y for i in range(x)]})\ndf',
      ),
    ],
  };
  const blank: ReactiveDocument = {
    id: "blank",
    name: "Blank notebook",
    db_conn_string: null,
    revision: 0,
    cells: [newCodeCell("blank-1", "python")],
  };
  return [demo, blank];
}
