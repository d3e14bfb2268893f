"""The Norwegian words users see for the domain's code words; shared by pages, the API and exports."""

from __future__ import annotations

CASE_KIND_NB = {"index": "Indeks", "contact": "Nærkontakt"}
CASE_STATUS_NB = {"active": "Aktiv", "closed": "Avsluttet", "cancelled": "Annullert"}
CASE_OUTCOME_NB = {
    "completed": "Fullført oppfølging",
    "became_index": "Ble indeks",
    "not_infected": "Ikke smittet",
    "moved": "Flyttet til annen kommune",
    "deceased": "Død",
    "registered_in_error": "Feilregistrert",
}
SEX_NB = {"female": "Kvinne", "male": "Mann", "unknown": "Ukjent"}
EXPOSURE_SETTING_NB = {
    "household": "Husstand",
    "school": "Skole",
    "kindergarten": "Barnehage",
    "workplace": "Arbeidsplass",
    "health_institution": "Helseinstitusjon",
    "event": "Arrangement",
    "travel": "Reise",
    "other": "Annet",
}
CLUSTER_KIND_NB = {
    "concert": "Konsert",
    "event": "Arrangement",
    "nursing_home": "Sykehjem",
    "kindergarten": "Barnehage",
    "school": "Skole",
    "workplace": "Arbeidsplass",
    "household": "Husstand",
    "private_gathering": "Privat sammenkomst",
    "other": "Annet",
}
CLUSTER_MEMBER_ROLE_NB = {"index": "Indeks", "contact": "Nærkontakt", "other": "Annen deltaker"}
TEST_METHOD_NB = {"PCR": "PCR", "antigen": "Antigen (hurtigtest)", "selftest": "Selvtest"}
FOLLOW_UP_OUTCOME_NB = {
    "reached": "Nådd",
    "not_reached": "Ikke nådd",
    "symptoms": "Har symptomer",
    "needs_help": "Trenger hjelp",
}

# The cluster kind to propose for a place where a setting's exposures happened (line-list clusters, simulations).
CLUSTER_KIND_OF_SETTING = {
    "household": "household",
    "school": "school",
    "kindergarten": "kindergarten",
    "workplace": "workplace",
    "health_institution": "nursing_home",
    "event": "event",
    "travel": "other",
    "other": "other",
}
