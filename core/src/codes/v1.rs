//! Code tables of protocol version 1. Numbers are never reused or changed;
//! a new code is a new protocol version (PROTOCOL §2).

use super::macros::code_table;

code_table! {
    /// FHIR R4 resource types (`http://hl7.org/fhir/resource-types`).
    ResourceType, "resource type" {
        /// Allergies and intolerances.
        AllergyIntolerance = 1, "AllergyIntolerance", "allergies";
        /// Care plans.
        CarePlan = 2, "CarePlan", "care plans";
        /// Conditions and diagnoses.
        Condition = 3, "Condition", "conditions and diagnoses";
        /// Diagnostic reports.
        DiagnosticReport = 4, "DiagnosticReport", "test and imaging reports";
        /// Documents and letters.
        DocumentReference = 5, "DocumentReference", "documents and letters";
        /// Encounters (visits, stays).
        Encounter = 6, "Encounter", "visits and hospital stays";
        /// Imaging studies.
        ImagingStudy = 7, "ImagingStudy", "scans and X-rays";
        /// Immunizations.
        Immunization = 8, "Immunization", "vaccinations";
        /// Prescriptions.
        MedicationRequest = 9, "MedicationRequest", "prescriptions";
        /// Medication statements.
        MedicationStatement = 10, "MedicationStatement", "medicines you take";
        /// Observations (lab results, vital signs).
        Observation = 11, "Observation", "test results and measurements";
        /// Procedures.
        Procedure = 12, "Procedure", "operations and procedures";
        /// Referrals and orders.
        ServiceRequest = 13, "ServiceRequest", "referrals and orders";
        /// Insurance claims.
        Claim = 14, "Claim", "insurance claims";
        /// Explanations of benefit.
        ExplanationOfBenefit = 15, "ExplanationOfBenefit", "insurance decisions";
        /// Insurance coverage.
        Coverage = 16, "Coverage", "insurance cover";
        /// Family history.
        FamilyMemberHistory = 17, "FamilyMemberHistory", "family history";
        /// Care teams.
        CareTeam = 18, "CareTeam", "care teams";
        /// Specimens.
        Specimen = 19, "Specimen", "samples";
        /// Questionnaire answers.
        QuestionnaireResponse = 20, "QuestionnaireResponse", "questionnaire answers";
        /// Medicines given.
        MedicationAdministration = 21, "MedicationAdministration", "medicines given to you";
    }
}

code_table! {
    /// Data categories (Assent's own code system).
    Category, "category" {
        /// Laboratory results.
        Labs = 1, "labs", "lab results";
        /// Imaging.
        Imaging = 2, "imaging", "imaging";
        /// Clinical notes.
        Notes = 3, "notes", "clinical notes";
        /// Medications.
        Medications = 4, "medications", "medications";
        /// Vital signs.
        Vitals = 5, "vitals", "vital signs";
        /// Problems and diagnoses.
        Problems = 6, "problems", "problems and diagnoses";
        /// Billing and claims.
        Billing = 7, "billing", "billing";
    }
}

code_table! {
    /// Sensitive-data labels (HL7 v3 ActCode). Data with a label is covered by a
    /// grant only if the grant names the label (PROTOCOL §8).
    SecurityLabel, "security label" {
        /// Mental health.
        Psy = 1, "PSY", "mental health";
        /// Substance use.
        Eth = 2, "ETH", "substance use";
        /// HIV/AIDS.
        Hiv = 3, "HIV", "HIV status";
        /// Genetic data.
        Gdis = 4, "GDIS", "genetic information";
        /// Sexual and domestic violence.
        Sdv = 5, "SDV", "sexual and domestic violence";
        /// Sexuality and reproductive health.
        Sex = 6, "SEX", "sexual and reproductive health";
    }
}

code_table! {
    /// Consent actions (`http://terminology.hl7.org/CodeSystem/consentaction`).
    Action, "action" {
        /// Read the data.
        Access = 1, "access", "read";
        /// Collect new data.
        Collect = 2, "collect", "collect";
        /// Use the data.
        Use = 3, "use", "use";
        /// Pass the data on.
        Disclose = 4, "disclose", "pass on";
        /// Correct the data.
        Correct = 5, "correct", "correct";
    }
}

code_table! {
    /// Purposes of use (HL7 v3 PurposeOfUse, `v3-ActReason`).
    Purpose, "purpose" {
        /// Treatment.
        Treat = 1, "TREAT", "your treatment";
        /// Emergency treatment.
        Etreat = 2, "ETREAT", "emergency treatment";
        /// Payment.
        Hpaymt = 3, "HPAYMT", "payment for your care";
        /// Healthcare operations.
        Hoperat = 4, "HOPERAT", "running the service";
        /// Research.
        Hresch = 5, "HRESCH", "research";
        /// Public health.
        Pubhlth = 6, "PUBHLTH", "public health";
    }
}

code_table! {
    /// Why a break-glass access was needed (closed list, PROTOCOL §4).
    EmergencyReason, "emergency reason" {
        /// The patient is unconscious.
        Unconscious = 1, "unconscious", "you were unconscious";
        /// A threat to life.
        LifeThreat = 2, "life-threat", "your life was at risk";
        /// The patient cannot consent.
        UnableToConsent = 3, "unable-to-consent", "you were unable to consent";
    }
}

code_table! {
    /// Kinds of organisation (governance registers each).
    OrgKind, "organisation kind" {
        /// Hospital.
        Hospital = 1, "hospital", "hospital";
        /// GP or specialist clinic.
        Clinic = 2, "clinic", "clinic";
        /// Pharmacy.
        Pharmacy = 3, "pharmacy", "pharmacy";
        /// Laboratory.
        Laboratory = 4, "laboratory", "laboratory";
        /// Insurer.
        Insurer = 5, "insurer", "insurer";
        /// Research organisation.
        Research = 6, "research", "research organisation";
        /// Regulator.
        Regulator = 7, "regulator", "regulator";
    }
}

impl OrgKind {
    /// Whether this kind provides care (and so may use break-glass access).
    pub fn provides_care(self) -> bool {
        matches!(self, OrgKind::Hospital | OrgKind::Clinic)
    }
}

code_table! {
    /// Whether a person or a system read the data.
    AccessMode, "access mode" {
        /// A staff member's deliberate access.
        Person = 1, "person", "a staff member";
        /// A system or batch job.
        System = 2, "system", "an automated system";
    }
}

code_table! {
    /// Why the monitor flagged an access (DESIGN §7). The words are the
    /// patient's: no staff identity, score or model detail.
    AlertReason, "alert reason" {
        /// The patient's consent did not cover the access.
        NoConsent = 1, "no-consent", "your consent did not cover this access";
        /// Emergency access used far more often than usual.
        OverrideBurst = 2, "override-burst", "emergency access was used far more often than usual";
        /// At an hour the staff member almost never works.
        UnusualHour = 3, "unusual-hour", "it happened at an unusual hour for the person who looked";
        /// Far more records opened than usual.
        VolumeSpike = 4, "volume-spike", "far more records than usual were opened that day";
        /// No recent care at the organisation explains it.
        NoCareRelation = 5, "no-care-relation", "no recent care at this organisation explains it";
        /// Outside the circle of patients the staff member usually treats.
        OutsideUsualPatients = 6, "outside-usual-patients", "it was outside the group of patients this person usually treats";
        /// The purpose given does not match what the organisation was doing.
        PurposeMismatch = 7, "purpose-mismatch", "the reason given did not match what the organisation was doing";
        /// More kinds of data than this kind of care usually needs.
        ScopeCreep = 8, "scope-creep", "more kinds of data were read than this care usually needs";
        /// Several organisations read the same records in step.
        CoordinatedReads = 9, "coordinated-reads", "several organisations read the same records at the same time";
        /// The pattern as a whole is unlike this organisation's usual work.
        UnusualPattern = 10, "unusual-pattern", "the pattern of access was unlike this organisation's usual work";
    }
}

code_table! {
    /// Why a patient disputes an access (their own words, as codes: no free
    /// text reaches the ledger).
    DisputeReason, "dispute reason" {
        /// The patient has no care relationship with the organisation.
        NoRelationship = 1, "no-relationship", "I am not cared for there";
        /// There was no emergency.
        NoEmergency = 2, "no-emergency", "there was no emergency";
        /// The purpose given is not what happened.
        WrongPurpose = 3, "wrong-purpose", "that was not the reason";
        /// The patient did not expect this access.
        Unexpected = 4, "unexpected", "I did not expect this";
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;
    use std::collections::BTreeSet;

    fn check<C: Code + std::fmt::Debug>() {
        let numbers: BTreeSet<u8> = C::ALL.iter().map(|c| c.number()).collect();
        assert_eq!(numbers.len(), C::ALL.len(), "{}: numbers unique", C::TABLE);
        assert!(!numbers.contains(&0), "{}: 0 is never a code", C::TABLE);
        for c in C::ALL {
            assert_eq!(C::from_number(u64::from(c.number())), Ok(*c));
            assert_eq!(C::from_name(c.fhir_code()).unwrap(), *c);
            assert_eq!(C::from_name(&c.fhir_code().to_lowercase()).unwrap(), *c);
        }
        assert!(C::from_number(0).is_err());
        assert!(C::from_number(255).is_err());
        assert!(C::from_name("nonsense")
            .unwrap_err()
            .known
            .contains(C::ALL[0].fhir_code()));
    }

    #[test]
    fn every_table_is_one_to_one() {
        check::<ResourceType>();
        check::<Category>();
        check::<SecurityLabel>();
        check::<Action>();
        check::<Purpose>();
        check::<EmergencyReason>();
        check::<OrgKind>();
        check::<AccessMode>();
        check::<AlertReason>();
        check::<DisputeReason>();
    }
}
