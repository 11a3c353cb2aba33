"""Accessibility statement: how accessible is this site, what is not, how to get information another way or
report a problem, and how it was tested. Follows the sections the Public Sector Bodies (Websites and Mobile
Applications) (No. 2) Accessibility Regulations 2018 require; the content lives in ui/accessibility.py, which
the browser tests check against what they find."""

import streamlit as st

from data_access.periods import format_date
from ui import accessibility as a11y

st.title("Accessibility statement")
st.markdown(
    f"This statement applies to the {a11y.SITE_NAME} dashboard. It is run by {a11y.RUN_BY}. We want as many people as "
    "possible to be able to use it. For example, you should be able to:\n"
    "- move around every page using just a keyboard (the Tab key moves between links, filters and buttons);\n"
    "- use a screen reader: every chart has a description, a sentence saying what it shows and a table of its numbers;\n"
    "- tell colours apart if you are colour blind: charts use the Okabe-Ito colours and never rely on colour alone.\n\n"
    "Text marked *[OPCC to replace: …]* is a placeholder that the office running this site fills in."
)

st.header("How accessible this site is")
st.markdown("We know some parts are not fully accessible:")
st.markdown("\n".join(f"- {issue.summary} *Where:* {issue.where}" for issue in a11y.KNOWN_ISSUES))

st.header("Feedback and contact information")
st.markdown(
    "If you need information from this site in a different format, such as an accessible PDF, large print, easy read, "
    "audio or braille, or the figures as a spreadsheet:\n"
    f"- email {a11y.CONTACT_EMAIL}\n"
    f"- call {a11y.CONTACT_PHONE}\n\n"
    f"We will consider your request and reply within {a11y.REPLY_WITHIN}."
)

st.header("Reporting accessibility problems with this site")
st.markdown(
    "We are always looking to improve the accessibility of this site. If you find a problem not listed on this page, or "
    f"think we are not meeting accessibility requirements, email {a11y.CONTACT_EMAIL}. Please say which page, what you "
    "were trying to do, and the browser and any assistive technology you use."
)

st.header("Enforcement procedure")
st.markdown(
    f"The Equality and Human Rights Commission (EHRC) is responsible for enforcing the {a11y.REGULATIONS} (the "
    "'accessibility regulations'). If you are not happy with how we respond to your complaint, contact the Equality "
    "Advisory and Support Service (EASS).\n\n"
    "In Northern Ireland, the Equality Commission for Northern Ireland (ECNI) enforces the accessibility regulations: "
    "contact it if you are not happy with how we respond to your complaint."
)

st.header("Technical information about this site's accessibility")
st.markdown(f"The office running this site is committed to making it accessible, in line with the {a11y.REGULATIONS}.")
st.subheader("Compliance status")
st.markdown(f"This site is {a11y.COMPLIANCE} with the {a11y.STANDARD}, because of the non-compliances listed below.")

st.subheader("Non-accessible content")
st.markdown("**Non-compliance with the accessibility regulations**")
failing = [i for i in a11y.KNOWN_ISSUES if i.non_compliant]
for issue in failing:
    criteria = "; ".join(issue.wcag)
    st.markdown(
        f"- {issue.summary} This fails WCAG 2.2 success criteria {criteria}. *Where:* {issue.where} *Why:* {issue.why} "
        f"*Meanwhile:* {issue.workaround} *What we will do:* {issue.plan}"
    )
limits = [i for i in a11y.KNOWN_ISSUES if not i.non_compliant]
if limits:
    st.markdown("**Limitations of the components this site is built with** (these do not fail a success criterion)")
    for issue in limits:
        st.markdown(f"- {issue.summary} *Where:* {issue.where} *Why:* {issue.why} *Meanwhile:* {issue.workaround} *Next:* {issue.plan}")
st.markdown(
    "**Disproportionate burden**: we do not claim that fixing any of these would be a disproportionate burden.\n\n"
    "**Content that is not within the scope of the accessibility regulations**: none that we know of."
)

st.header("What we are doing to improve accessibility")
st.markdown(
    "Every change to the site runs automated accessibility tests of every page, as every audience (public, panel "
    "members, OPCC staff), before it is released. Fixed after the first round of tests:\n" + "\n".join(f"- {fixed}" for fixed in a11y.FIXED)
)

st.header("Preparation of this accessibility statement")
st.markdown(
    f"This statement was prepared on {format_date(a11y.PREPARED)}. It was last reviewed on {format_date(a11y.LAST_REVIEWED)}, "
    f"and will be reviewed again by {format_date(a11y.NEXT_REVIEW)}, or sooner when a page is added or changed.\n\n"
    f"This site was last tested on {format_date(a11y.LAST_TESTED)}, by the developers, with automated tests that:\n"
    f"- scan every page, for every audience, with axe-core {a11y.AXE_CORE_VERSION} for the rules tagged "
    f"{', '.join(a11y.AXE_TAGS)} (WCAG 2.0, 2.1 and 2.2, levels A and AA), failing on any serious or critical problem;\n"
    "- press Tab from the top of every page and check that it reaches every filter, button and download;\n"
    "- check that every control has a visible label, every page a main heading and its own title, and every chart a "
    "description, a sentence before it and a table of its numbers after it;\n"
    "- open every page in a window 320 pixels wide (a phone, or 400% zoom) and check that nothing but tables and "
    "charts runs off its side;\n"
    "- check that no page asks any server but this site's own for anything (fonts, icons or scripts);\n"
    "- compute the contrast of every chart colour against white (3:1 for marks, 4.5:1 for text);\n"
    f"- run in {a11y.TEST_BROWSER}.\n\n"
    "Results that axe-core marks as needing review were checked another way:\n"
    + "\n".join(f"- {r.axe_rule}, on {r.where}: {r.finding}" for r in a11y.REVIEWED)
    + "\n\nNot yet tested:\n"
    + "\n".join(f"- {gap}" for gap in a11y.NOT_TESTED)
)
