"""Site scoping, shared by every domain: a user sees and changes only the data of its sites."""


def scope(statement, user, site_column):
    """Limit a statement to the user's sites (an administrator sees every site)."""
    if user.is_admin:
        return statement
    return statement.where(site_column.in_(user.site_ids))
