"""The one error the recipe stops with; its message names the step that failed."""


class RecipeError(Exception):
    pass
