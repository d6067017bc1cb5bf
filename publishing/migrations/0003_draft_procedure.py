"""Drafts get the procedure they already print: the seven steps of the template, decided by
«لجنة البحث»; their procedure section then lists the steps through {procedure}. Published
versions are immutable and keep their text (publishing.procedure reads them as these steps)."""

from django.db import migrations, models

# Template version 1's procedure section as drafts copied it, and as it reads now.
OLD_BODY = {
    "ar": "يتم التعامل مع المستفيد على مختلف المستويات لإنهاء معاملاته بالشكل التالي:\n\n1. استقبال المستفيد بلباقة واحترام، والإجابة عن جميع الاستفسارات، وإعطاء المراجع الوقت الكافي.\n2. التأكد من تقديم المراجع كافة المعلومات المطلوبة، وعلى الموظف مطابقة البيانات والتأكد من صلاحيتها وقت التقديم.\n3. في حال عدم وضوح الإجراءات للمستفيد، فعلى الموظف إحالته إلى {referral_roles} للإجابة عن تساؤلاته وإيضاح الجوانب التنظيمية.\n4. التأكد من صحة البيانات المقدمة من طالب الخدمة، وتوقيعه عليها بما يفيد أنه مسؤول مسؤولية مباشرة عن صحة المعلومات.\n5. التوضيح للمستفيد بأن طلبه سيُرفع إلى لجنة البحث لدراسته والرد عليه بشأن قبوله أو رفضه {committee_deadline}.\n6. استكمال إجراءات التسجيل مع اكتمال الطلبات.\n7. تقديم الخدمة اللازمة.",
    "en": "At every level, beneficiaries are dealt with as follows so that their transactions are completed:\n\n1. Receive the beneficiary courteously and respectfully, answer all their questions and give them enough time.\n2. Make sure the applicant submits all the required information; the employee checks the data and confirms that it is valid at the time of submission.\n3. If the procedures are unclear to the beneficiary, the employee refers them to the {referral_roles} to answer their questions and explain the procedures that apply.\n4. Confirm that the data submitted by the applicant is correct and have the applicant sign it, acknowledging that they are directly responsible for the accuracy of the information.\n5. Explain to the beneficiary that the request will be referred to the research committee, which will study it and notify them whether it is accepted or rejected {committee_deadline}.\n6. Complete the registration once all requirements are met.\n7. Provide the required service.",
}
NEW_BODY = {
    "ar": "يتم التعامل مع المستفيد على مختلف المستويات لإنهاء معاملاته بالشكل التالي:\n\n{procedure}",
    "en": "At every level, beneficiaries are dealt with as follows so that their transactions are completed:\n\n{procedure}",
}
STEPS = ["receive", "verify", "refer", "declare", "decide", "register", "deliver"]


def forward(apps, schema_editor):
    PolicyDraft = apps.get_model("publishing", "PolicyDraft")
    for draft in PolicyDraft.objects.all():
        for section in draft.sections:
            if section["key"] == "procedure" and all(
                section[f"body_{language}"] == OLD_BODY[language] for language in ("ar", "en")
            ):
                section.update(body_ar=NEW_BODY["ar"], body_en=NEW_BODY["en"])
        draft.procedure = [{"step": kind, "text_ar": "", "text_en": ""} for kind in STEPS]
        draft.decision_body_ar = "لجنة البحث"
        draft.decision_body_en = "the research committee"
        draft.save(update_fields=["sections", "procedure", "decision_body_ar", "decision_body_en"])


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0002_published_versions_are_immutable"),
    ]

    operations = [
        migrations.AddField(
            model_name="policydraft",
            name="deadline_wording_ar",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="policydraft",
            name="deadline_wording_en",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="policydraft",
            name="decision_body_ar",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="policydraft",
            name="decision_body_en",
            field=models.CharField(blank=True, max_length=200),
        ),
        migrations.AddField(
            model_name="policydraft",
            name="procedure",
            field=models.JSONField(default=list),
        ),
        migrations.RunPython(forward, migrations.RunPython.noop),
    ]
