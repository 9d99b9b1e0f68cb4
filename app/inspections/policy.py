"""Record rules of checklist templates, used by queries, views and templates alike.

A template is used at all sites or at chosen ones. Anyone who inspects sees the templates of
their sites; a supervisor builds the templates used only at their own sites; a template for
every site (or for a site that is not theirs) is an administrator's."""

from app.core.attachments import register_access
from app.extensions import db
from app.inspections.models import ChecklistTemplate


def may_see(user, template: ChecklistTemplate) -> bool:
    return user.is_admin or template.all_sites or bool(
        {site.id for site in template.sites} & set(user.site_ids))


def may_build(user, template: ChecklistTemplate) -> bool:
    if not user.is_manager:
        return False
    if user.is_admin:
        return True
    return not template.all_sites and bool(template.sites) and all(
        user.can_see_site(site.id) for site in template.sites)


def may_open_template_file(user, attachment) -> bool:
    """An instruction's picture: whoever may see its checklist."""
    template = db.session.get(ChecklistTemplate, attachment.entity_id)
    return template is not None and user.is_authenticated and user.can("inspections.view") \
        and may_see(user, template)


register_access("checklisttemplate", may_open_template_file)


# --- inspections ---------------------------------------------------------------------------------

def may_see_inspection(user, inspection) -> bool:
    """Its inspector, and the managers and field roles of its site."""
    return inspection.inspector_id == user.id or (
        user.can("inspections.view") and user.can_see_site(inspection.site_id))


def may_answer(user, inspection) -> bool:
    """Its inspector, or a supervisor of its site (finishing a round for someone)."""
    return inspection.is_open and (inspection.inspector_id == user.id or (
        user.is_manager and user.can_see_site(inspection.site_id)))


def may_reopen(user, inspection) -> bool:
    return not inspection.is_open and user.is_manager and user.can_see_site(inspection.site_id)


def may_open_answer_file(user, attachment) -> bool:
    from app.inspections.models import InspectionAnswer

    answer = db.session.get(InspectionAnswer, attachment.entity_id)
    return answer is not None and user.is_authenticated and \
        may_see_inspection(user, answer.inspection)


register_access("inspectionanswer", may_open_answer_file)


def may_open_inspection_file(user, attachment) -> bool:
    """The inspector's signature: whoever may see the inspection."""
    from app.inspections.models import Inspection

    inspection = db.session.get(Inspection, attachment.entity_id)
    return inspection is not None and user.is_authenticated and \
        may_see_inspection(user, inspection)


register_access("inspection", may_open_inspection_file)
