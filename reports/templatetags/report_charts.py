from django import template

from reports.charts import patient_charts as build_patient_charts

register = template.Library()


@register.inclusion_tag("reports/_patient_charts.html")
def patient_charts(patient):
    """Vitals over time and the visit timeline (one query), for the history page of patient and doctor."""
    return build_patient_charts(patient)
