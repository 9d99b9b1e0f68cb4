"""Who may do a scheduled round."""


def may_do(user, schedule, rule) -> bool:
    """Its assignee, anyone of its role at the site, and the site's managers."""
    if not user.can_see_site(schedule.site_id) or not user.can("inspections.inspect"):
        return False
    return user.is_manager or rule.assignee_id == user.id or (
        rule.assignee_id is None and rule.assignee_role in user.role_set)
