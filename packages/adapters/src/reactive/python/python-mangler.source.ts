/**
 * Part of the Python kernel's driver (see python-driver.source.ts): marimo's rule that names
 * with one leading underscore are private to their cell, as an AST rewrite. Needs `ast`.
 */
export const PYTHON_MANGLER = String.raw`
def _is_private(name):
    # The driver's magic helpers, which magic lines are rewritten to call, are shared by every cell.
    return name.startswith("_") and not name.startswith("__") and not name.startswith("_parallax_magic_")


class _Mangler(ast.NodeTransformer):
    """Names with one leading underscore are private to their cell (as in marimo): each cell
    gets its own copy, so cells never see each other's. Renaming is consistent within the
    cell, so its own scoping rules are kept."""

    def __init__(self, prefix):
        self.prefix = prefix
        # Names a class body defines are attributes (self._x, _repr_html_): never renamed there.
        self.protected = set()

    def rename(self, name):
        return self.prefix + name if name and _is_private(name) and name not in self.protected else name

    def visit_Name(self, node):
        node.id = self.rename(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self.rename(node.arg)
        return self.generic_visit(node)

    def _scoped(self, node, protected):
        saved = self.protected
        self.protected = protected
        try:
            return self.generic_visit(node)
        finally:
            self.protected = saved

    def visit_FunctionDef(self, node):
        node.name = self.rename(node.name)
        return self._scoped(node, set())

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = lambda self, node: self._scoped(node, set())

    def visit_ClassDef(self, node):
        node.name = self.rename(node.name)
        own = set()
        for statement in node.body:
            if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                own.add(statement.name)
            for target in getattr(statement, "targets", []) + [getattr(statement, "target", None)]:
                if isinstance(target, ast.Name):
                    own.add(target.id)
        return self._scoped(node, own)

    def visit_alias(self, node):
        bound = node.asname or (node.name.split(".")[0] if node.name != "*" else None)
        if bound and _is_private(bound):
            if node.asname is None and "." in node.name:
                return node
            node.asname = self.rename(bound)
        return node

    def visit_Global(self, node):
        node.names = [self.rename(name) for name in node.names]
        return node

    visit_Nonlocal = visit_Global

    def visit_ExceptHandler(self, node):
        node.name = self.rename(node.name)
        return self.generic_visit(node)

    def visit_MatchAs(self, node):
        node.name = self.rename(node.name)
        return self.generic_visit(node)

    visit_MatchStar = visit_MatchAs

    def visit_MatchMapping(self, node):
        node.rest = self.rename(node.rest)
        return self.generic_visit(node)


def _private_prefix(cell_id):
    return "_cell_" + "".join(c if c.isalnum() else "_" for c in str(cell_id)) + "_"
`;
