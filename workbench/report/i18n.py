"""Every word of the PDF report, in French (default) and English, plus number and date formatting.

A key missing from one catalogue is a bug (tests compare the key sets). Values are ``str.format`` templates;
plural nouns are ``"singular|plural"`` and are chosen by :meth:`Tr.n` (French: 0 and 1 take the singular).
Text is plain: the PDF layer escapes it before building paragraphs.
"""

from __future__ import annotations

import math
import re

from workbench.report import numbers

LANGS = ("fr", "en")

FR: dict[str, str] = {
    # page furniture
    "banner": "Données de santé - Confidentiel",
    "page_of": "page {n} / {m}",
    "header_case": "Affaire {case}",
    # cover
    "cover_title": "Rapport d'analyse forensique",
    "cover_subtitle": "Jeu de données de santé divulgué : contenu, origine, personnes exposées",
    "cover_case_number": "Numéro d'affaire",
    "cover_case_title": "Intitulé",
    "cover_analyst": "Analyste",
    "cover_organisation": "Organisation",
    "cover_case_created": "Affaire ouverte le",
    "cover_report_date": "Rapport établi le",
    "cover_tool": "Outil",
    "cover_evidence": "Pièces analysées",
    "cover_custody": "Journal de traçabilité",
    "cover_custody_value": "{n} entrées, tête {head}",
    "cover_custody_value_one": "{n} entrée, tête {head}",
    "cover_masked": "Les identifiants de personnes (NIR, noms, coordonnées) sont masqués dans ce rapport ; "
                    "la base de l'affaire les conserve pour l'analyste.",
    "cover_unmasked": "ATTENTION : ce rapport montre des identifiants de personnes EN CLAIR (option --unmasked). "
                      "Diffusion strictement limitée aux personnes habilitées.",
    "cover_classification": "Ce document décrit des données de santé à caractère personnel (article 9 du RGPD). "
                            "Il est confidentiel : ne le transmettez qu'aux personnes qui en ont besoin pour traiter "
                            "l'incident.",
    "unknown": "non renseigné",
    "utc": "UTC",
    # section titles
    "s_summary": "1. Synthèse",
    "s_evidence": "2. Pièces analysées",
    "s_method": "3. Méthode",
    "s_attribution": "4. Attribution par établissement",
    "s_gdpr": "5. Éléments pour la notification de violation (RGPD, art. 33)",
    "s_findings": "6. Détections",
    "s_annexes": "7. Annexes",
    # summary
    "sum_found": "L'analyse porte sur {evidence} ({size}) contenant {items}. On en a extrait {records} décrivant "
                 "environ {patients}.",
    "sum_no_records": "L'analyse porte sur {evidence} ({size}) contenant {items}. Aucun enregistrement décrivant une "
                      "personne n'en a été extrait.",
    "sum_nir": "Numéros de sécurité sociale (NIR) valides et distincts détectés : {nir}.",
    "sum_establishments": "Des données proviennent de {n} du registre des balises : {names}.",
    "sum_no_establishment": "Aucune donnée n'a pu être rattachée à un établissement du registre des balises.",
    "sum_unattributed": "Enregistrements non attribués : {records}. Aucune preuve ne les rattache à un établissement "
                        "du registre, et aucun établissement n'est mis en cause sans preuve.",
    "sum_categories": "Catégories de données exposées : {cats}.",
    "sum_span": "Les dates des enregistrements (séjours, examens, résultats) vont du {first} au {last}. La date la "
                "plus récente borne le moment du vol : les données ont été prises le {last} ou après.",
    "sum_strength_intro": "Force de chaque attribution :",
    "sum_strength_item": "{name} (FINESS {finess}) : {records}, {patients} ; {strength}.",
    "strength_canary": "preuve certaine : patients témoins (balises) de l'établissement retrouvés dans les "
                       "données ({n})",
    "strength_canary_partial": "preuve à confirmer : {n} retrouvés sur un seul champ",
    "strength_watermark": "preuve forte : tatouage de l'établissement détecté ({p})",
    "strength_identifier": "preuve probable : identifiant explicite de l'établissement dans les enregistrements",
    "strength_pattern": "indice faible : seul le format des numéros de patient ou de séjour correspond",
    "strength_none": "aucune preuve",
    "sum_conflicts": "Conteneurs portant les balises de plusieurs établissements (données fusionnées) : {n}. Chaque "
                     "enregistrement y est rattaché par ses propres preuves (section 4).",
    "sum_errors": "Éléments qui n'ont pas pu être analysés entièrement : {n} (section 3).",
    "sum_verified_ok": "Les pièces ont été hachées de nouveau au moment du rapport : elles sont inchangées depuis "
                       "leur acquisition.",
    "sum_verified_changed": "ATTENTION : au moins une pièce a changé depuis son acquisition (section 2).",
    "sum_chain_ok": "Le journal de traçabilité est intègre ({n} entrées chaînées).",
    "sum_chain_ok_one": "Le journal de traçabilité est intègre ({n} entrée).",
    "sum_chain_broken": "ATTENTION : le journal de traçabilité n'est pas intègre (annexe B).",
    "sum_results_ok": "Les {n} fichiers de résultats ont été hachés de nouveau : ils sont ceux que l'analyse a "
                      "scellés dans le journal.",
    "sum_results_ok_one": "Le fichier de résultats a été haché de nouveau : c'est celui que l'analyse a scellé dans "
                          "le journal.",
    "sum_results_broken": "ATTENTION : des fichiers de résultats ne sont plus ceux que l'analyse a scellés : "
                          "{problems}.",
    # evidence
    "ev_intro": "Chaque pièce a été prise en charge en lecture seule et hachée (MD5, SHA-1, SHA-256) à son "
                "acquisition. Le rapport l'a hachée de nouveau au moment de sa rédaction et compare les empreintes.",
    "ev_folder_note": "Pour un dossier, les empreintes sont celles de son manifeste trié (chemin, taille et SHA-256 "
                      "de chaque fichier) ; chaque fichier est vérifié.",
    "ev_heading": "Pièce {n}",
    "ev_path": "Chemin",
    "ev_type": "Nature",
    "ev_file": "fichier",
    "ev_folder": "dossier de {n}",
    "ev_size": "Taille",
    "ev_acquired": "Acquise le",
    "ev_reverified": "Vérifiée à nouveau le",
    "ev_result": "Résultat",
    "ev_unchanged": "inchangée (empreintes identiques)",
    "ev_changed": "MODIFIÉE depuis l'acquisition : {changes}",
    "ev_none": "Aucune pièce n'est enregistrée dans l'affaire.",
    # method
    "m_detectors_h": "Détecteurs",
    "m_detectors": "Chaque élément, à toute profondeur d'archives, a été typé d'après son contenu (libmagic et "
                   "analyseurs propres ; l'extension est notée, jamais crue), puis analysé : règles YARA ; "
                   "identifiants validés par leur clé de contrôle (NIR/INS, FINESS, RPPS, IBAN, e-mail, téléphone) ; "
                   "extraction des enregistrements (CSV, tableurs, exports SQL, HL7 v2, FHIR, DICOM) ; recherche des "
                   "patients témoins par empreinte HMAC dans le registre signé ; test statistique des tatouages "
                   "numériques (marques invisibles insérées par l'établissement dans ses exports ; accepté sous "
                   "p < 10^-6). Rien n'a été extrait sur disque ni envoyé sur un réseau.",
    "m_detectors_seen": "Détecteurs ayant produit des résultats dans cette affaire : {list}.",
    "m_attribution_order": "Un enregistrement est attribué à un établissement selon la preuve la plus forte : "
                           "1) patient témoin de l'établissement dans le même conteneur ; 2) tatouage de "
                           "l'établissement ; 3) identifiant explicite (FINESS, établissement HL7, institution ou "
                           "racine d'UID DICOM) ; 4) format de numérotation enregistré (indice faible) ; sinon, "
                           "non attribué.",
    "m_hashsets_h": "Jeux d'empreintes",
    "m_hashsets": "Les fichiers connus sains (empreinte dans un jeu « connu sain ») n'ont pas été analysés ; les "
                  "fichiers connus malveillants sont signalés par une constatation de gravité haute.",
    "col_hashset_role": "Rôle",
    "hashset_known-good": "connu sain",
    "hashset_known-bad": "connu malveillant",
    "m_rules_h": "Jeux de règles YARA",
    "m_rules_none": "Aucun jeu de règles n'est enregistré dans l'affaire.",
    "m_rules_skipped": ("Fichiers de règles NON appliqués ({n}) : ils ne compilaient pas et ont été écartés ; "
                        "l'absence de détection par leurs règles ne prouve rien."),
    "col_name": "Nom",
    "col_file": "Fichier:ligne",
    "col_reason": "Raison",
    "col_origin": "Origine",
    "col_sha256": "SHA-256",
    "m_registry_h": "Registre des balises",
    "m_registry_none": "Aucun registre n'a été utilisé : aucune attribution à un établissement n'est possible, "
                       "seules les détections sont rapportées.",
    "reg_path": "Fichier",
    "reg_authority": "Autorité",
    "reg_version": "Version",
    "reg_signature": "Signature Ed25519",
    "reg_key": "Clé de signature",
    "reg_sig_ok": "vérifiée",
    "reg_sig_failed": "ÉCHEC de vérification",
    "m_bounds_h": "Limites appliquées (protection contre les bombes d'archives)",
    "m_bounds_none": "Limites par défaut de l'outil (non enregistrées dans l'affaire).",
    "bound_max_depth": "Profondeur maximale d'imbrication",
    "bound_max_member_bytes": "Octets décompressés par membre",
    "bound_max_evidence_bytes": "Octets décompressés par pièce",
    "bound_max_ratio": "Taux d'expansion maximal",
    "bound_ratio_grace_bytes": "Octets avant contrôle du taux",
    "bound_max_members": "Membres par archive",
    "m_kinds_h": "Éléments par type (d'après le contenu)",
    "col_kind": "Type",
    "col_count": "Nombre",
    "m_failed_h": "Éléments en échec et raisons",
    "m_failed_none": "Aucun élément en échec.",
    "m_failed_status": "État des éléments : {list}.",
    "m_failed_causes": "Causes : {list}.",
    "cause_truncated": "fichier tronqué", "cause_damaged": "contenu endommagé", "cause_encrypted": "chiffré",
    "cause_limit": "limite de sécurité", "cause_special": "fichier spécial non ouvert",
    "cause_crashed": "arrêt du processus d'analyse", "cause_other": "autre erreur",
    "m_failed_more": "{n} autres erreurs ne sont pas listées ici (voir report.json).",
    "m_failed_more_one": "{n} autre erreur n'est pas listée ici (voir report.json).",
    "col_item": "Élément",
    "col_stage": "Étape",
    "col_error": "Erreur",
    # attribution
    "a_intro": "Pour chaque établissement du registre dont des données ont été trouvées : nombre d'enregistrements "
               "et de patients distincts, fondements de l'attribution et preuves. La confiance va de 0 à 1.",
    "a_overview_h": "Vue d'ensemble",
    "col_establishment": "Établissement",
    "col_records": "Enregistrements",
    "col_patients": "Patients",
    "col_bases": "Fondements",
    "col_strength": "Force",
    "col_confidence": "Confiance",
    "a_unattributed_row": "Non attribués",
    "a_none": "Aucun enregistrement n'est attribué à un établissement du registre.",
    "a_charts_h": "Graphiques",
    "chart_per_establishment": "Enregistrements par établissement",
    "chart_per_category": "Enregistrements par catégorie de données",
    "chart_dates": "Enregistrements par {unit} de leur date la plus récente",
    "unit_month": "mois",
    "unit_year": "année",
    "chart_records": "enregistrements",
    "chart_no_dates": "Aucune date exploitable dans les enregistrements.",
    "a_est_h": "{name} (FINESS {finess})",
    "a_records": "Enregistrements",
    "a_patients": "Patients distincts",
    "a_recipients": "Destinataires des exports",
    "a_no_recipient": "établissement lui-même",
    "a_span": "Période des dates",
    "a_bases": "Fondements de l'attribution",
    "a_basis_line": "{basis} : {records} (confiance {conf})",
    "a_canaries_h": "Patients témoins (balises) retrouvés",
    "a_canary_note": "Une balise est confirmée quand au moins deux de ses champs correspondent dans un même "
                     "enregistrement, partielle sur un seul champ. Les valeurs ne sont jamais stockées en clair dans "
                     "le registre (empreintes HMAC).",
    "col_beacon": "Balise",
    "col_status": "État",
    "col_fields": "Champs",
    "col_where": "Où (élément, emplacement)",
    "col_recipient": "Destinataire",
    "col_person": "Enregistrement",
    "status_confirmed": "confirmée",
    "status_partial": "partielle",
    "a_more_canaries": "{n} autres correspondances de balises ne sont pas listées (voir report.json).",
    "a_more_canaries_one": "{n} autre correspondance de balise n'est pas listée (voir report.json).",
    "a_watermarks_h": "Tatouages détectés",
    "a_watermark_note": "Test binomial avec la clé secrète de l'établissement : p est la probabilité d'observer "
                        "ce marquage par hasard. Seuls p < 10^-6 sont retenus.",
    "col_wm_kind": "Nature",
    "col_rows": "Lignes testées",
    "col_pvalue": "p",
    "col_fraction": "Fraction marquée",
    "wm_table": "tatouage de table",
    "wm_image": "tatouage d'image",
    "a_identifiers_h": "Identifiants explicites et formats de numérotation (exemples)",
    "a_conflicts_h": "Conflits : conteneurs portant les balises de plusieurs établissements",
    "a_conflicts_note": "Ces conteneurs mêlent des données de plusieurs établissements. Leurs enregistrements ne "
                        "sont pas attribués en bloc : chacun l'est par ses propres preuves.",
    "col_container": "Conteneur",
    "col_establishments": "Établissements",
    "a_unattributed": "Enregistrements rattachés à aucun établissement du registre : {records} ({patients}). Ils "
                      "peuvent venir d'un établissement absent du registre : aucun n'est mis en cause sans preuve.",
    "basis_canary": "patient témoin",
    "basis_watermark": "tatouage",
    "basis_identifier": "identifiant explicite",
    "basis_pattern": "format de numérotation",
    "basis_none": "aucune",
    # GDPR
    "g_intro": "Ces éléments sont présentés pour le délégué à la protection des données (DPO) de chaque "
               "établissement concerné, dans l'ordre du formulaire de notification de la CNIL. La notification est "
               "due dans les 72 heures après la prise de connaissance de la violation (RGPD, art. 33). Les nombres "
               "sont des estimations issues de l'analyse : « personnes » compte les patients distincts (par NIR, "
               "sinon nom, prénom et date de naissance).",
    "g_categories_h": "Catégories de données et volumes",
    "col_category": "Catégorie de données",
    "col_categories": "Catégories de données",
    "col_proof": "Preuve",
    "g_total": "Ensemble des données",
    "col_people": "Personnes (environ)",
    "cat_identity": "Identité (état civil)",
    "cat_contact": "Coordonnées (adresse, téléphone, e-mail)",
    "cat_nir": "Numéro de sécurité sociale (NIR)",
    "cat_health-diagnosis": "Santé : diagnostics",
    "cat_health-result": "Santé : résultats d'examens",
    "cat_health-imaging": "Santé : imagerie médicale",
    "cat_administrative": "Données administratives (séjours, numéros de dossier)",
    "g_per_establishment_h": "Par établissement (responsable de traitement)",
    "g_wording_h": "Texte proposé pour la notification",
    "g_nature": "Nature de la violation : perte de confidentialité. Un jeu de données de santé a été trouvé hors "
                "du contrôle de l'établissement ({evidence}).",
    "g_categories": "Catégories de données concernées : {cats}. Il s'agit de données de santé (art. 9 du RGPD).",
    "g_people": "Nombre approximatif de personnes concernées : {people}.",
    "g_records": "Nombre approximatif d'enregistrements concernés : {records}.",
    "g_period": "Période couverte par les données : du {first} au {last}.",
    "g_period_unknown": "Période couverte par les données : non déterminée.",
    "g_establishments": "Établissements d'origine identifiés : {names}.",
    "g_risk": "Conséquences probables : données de santé et identifiants exposés ; risque élevé pour les droits et "
              "libertés des personnes. La communication aux personnes concernées (art. 34) est à examiner.",
    "g_nir_note": "Numéros de sécurité sociale valides et distincts détectés dans l'ensemble des pièces : {n}.",
    # findings
    "f_identifiers_h": "Identifiants détectés (validés par leur clé de contrôle)",
    "col_type": "Type",
    "col_hits": "Occurrences",
    "col_unique": "Valeurs distinctes",
    "id_nir": "NIR / INS",
    "id_finess": "FINESS",
    "id_rpps": "RPPS",
    "id_iban": "IBAN",
    "id_email": "e-mail",
    "id_phone": "téléphone",
    "f_top_h": "Identifiants de personnes les plus fréquents",
    "col_value": "Valeur",
    "col_items": "Éléments",
    "f_rules_h": "Règles déclenchées",
    "f_rules_none": "Aucune règle n'a été déclenchée.",
    "col_detector": "Détecteur",
    "col_rule": "Règle",
    "col_matches": "Correspondances",
    "col_severity": "Gravité",
    "f_top_items_h": "Principaux éléments et extraits par règle",
    "col_top_items": "Principaux éléments",
    "col_excerpt": "Extrait",
    "f_rules_more": "{n} autres règles ne sont pas détaillées ici (voir report.json).",
    "f_rules_more_one": "{n} autre règle n'est pas détaillée ici (voir report.json).",
    # annexes
    "x_items_h": "Annexe A. Liste des éléments",
    "x_items_intro": "{n}, dans l'ordre de l'analyse, avec leur empreinte SHA-256.",
    "x_items_csv": "L'affaire compte {n} : leur liste est jointe au présent rapport dans le fichier annexe "
                   "« {file} » (CSV, UTF-8), de SHA-256 {sha}.",
    "col_size": "Taille",
    "x_custody_h": "Annexe B. Journal de traçabilité",
    "x_custody_ok": "Chaîne vérifiée au moment du rapport : {n} entrées, chacune contenant l'empreinte de la "
                    "précédente ; tête de chaîne {head}.",
    "x_custody_ok_one": "Chaîne vérifiée au moment du rapport : {n} entrée ; tête de chaîne {head}.",
    "x_custody_broken": "CHAÎNE ROMPUE au moment du rapport : {problems}.",
    "x_custody_key": "Chaque entrée est signée (Ed25519) avec la clé de l'affaire, créée avec elle. Empreinte de "
                     "la clé : {fpr} ; clé publique (base64) : {pub}. Conservez cette empreinte : "
                     "« balise case verify --case-key » refuse une affaire dont le journal a été recalculé et "
                     "signé avec une autre clé.",
    "x_custody_more": "Les {n} entrées les plus anciennes ne sont pas reproduites ici ; le journal complet est "
                      "dans l'affaire (custody.jsonl).",
    "x_custody_more_one": "L'entrée la plus ancienne n'est pas reproduite ici ; le journal complet est dans "
                          "l'affaire (custody.jsonl).",
    "x_custody_pdf": "L'empreinte SHA-256 du présent PDF est inscrite au journal après sa rédaction (entrée "
                     "« report-written »).",
    "col_seq": "N°",
    "col_time": "Date (UTC)",
    "col_action": "Acteur / action",
    "col_detail": "Détail et empreinte",
    # units and nouns (singular|plural)
    "n_evidence": "pièce|pièces",
    "n_items": "élément|éléments",
    "n_records": "enregistrement|enregistrements",
    "n_patients": "personne|personnes",
    "n_patients_short": "patient|patients",
    "n_establishments": "établissement|établissements",
    "n_nir": "numéro|numéros",
    "n_canaries": "patient témoin|patients témoins",
    "n_canaries_confirmed": "patient témoin confirmé|patients témoins confirmés",
    "n_containers": "conteneur|conteneurs",
    "n_files": "fichier|fichiers",
    "n_cells": "cellule|cellules",
    "n_recipients_tested": "destinataire testé|destinataires testés",
    "bytes": "octets",
    "sev_info": "information",
    "sev_warning": "avertissement",
    "sev_high": "élevée",
    "st_done": "analysé",
    "st_error": "erreur",
    "st_partial": "partiel",
    "st_encrypted": "chiffré",
    "st_skipped": "non lu",
    # words for enumerated values (no raw value in a French report)
    "range": "{lo} à {hi}",
    "fld_address": "adresse", "fld_birth_date": "date de naissance", "fld_email": "e-mail", "fld_ipp": "IPP",
    "fld_name": "nom", "fld_nir": "NIR", "fld_phone": "téléphone", "fld_postcode": "code postal",
    "fld_given_name": "prénom", "fld_family_name": "nom de famille", "fld_nda": "NDA", "fld_sex": "sexe",
    "loc_row": "ligne", "loc_table": "table", "loc_sheet": "feuille", "loc_msg": "message", "loc_entry": "entrée",
    "loc_line": "ligne", "loc_page": "page", "loc_file": "fichier entier", "loc_image": "image",
    "loc_frame": "image", "loc_member": "membre",
    "act_case-created": "affaire créée", "act_case-info": "informations de l'affaire",
    "act_scan-started": "analyse lancée", "act_scan-resumed": "analyse reprise",
    "act_scan-finished": "analyse terminée", "act_evidence-acquired": "pièce acquise",
    "act_evidence-verified": "pièce vérifiée", "act_results-sealed": "résultats scellés",
    "act_results-counted": "décompte des résultats", "ck_figures_sha256": "empreinte des chiffres",
    "ck_records": "enregistrements", "ck_patients": "personnes",
    "act_results-compacted": "résultats regroupés", "act_attribution": "attribution",
    "act_attribution-conflict": "conflit d'attribution", "act_report-written": "rapport écrit",
    "act_worker-crash": "arrêt d'un processus d'analyse", "act_unmasking": "levée du masquage",
    "act_registry-changed": "registre changé",
    "ck_dir": "dossier", "ck_path": "chemin", "ck_analyst": "analyste", "ck_case_number": "numéro d'affaire",
    "ck_organisation": "organisation", "ck_title": "intitulé", "ck_bounds": "limites", "ck_evidence": "pièces",
    "ck_jobs": "processus", "ck_registry": "registre", "ck_rulesets": "règles YARA", "ck_sha256": "SHA-256",
    "ck_sha1": "SHA-1", "ck_md5": "MD5", "ck_acquired_utc": "acquise le (UTC)", "ck_files": "fichiers",
    "ck_size": "taille (octets)", "ck_bases": "fondements", "ck_canary": "patient témoin", "ck_watermark": "tatouage",
    "ck_identifier": "identifiant explicite", "ck_pattern": "format de numérotation", "ck_none": "aucune",
    "ck_file": "fichier", "ck_rows": "lignes", "ck_changes": "changements", "ck_evidence_id": "pièce n°",
    "ck_unchanged": "inchangée", "ck_bytes": "octets", "ck_digest": "empreinte", "ck_elapsed_s": "durée (s)",
    "ck_errors": "erreurs", "ck_items": "éléments", "ck_tasks_done": "tâches faites",
    "ck_tasks_total": "tâches en tout", "ck_kind": "nature", "ck_lang": "langue", "ck_unmasked": "en clair",
    "ck_who": "qui", "ck_reason": "motif", "ck_scope": "portée", "ck_establishment": "établissement",
    "ck_key_id": "empreinte de la clé", "ck_version": "version", "ck_authority": "autorité",
    "ck_verified_utc": "vérifiée le (UTC)", "ck_head": "tête de chaîne",
    "x_entry_hash": "empreinte de l'entrée",
    # custody keys and actions the annex showed raw ("tasks redone", "registry-adopted")
    "ck_case": "affaire", "ck_case_key": "clé de l'affaire", "ck_case_public_key": "clé publique de l'affaire",
    "ck_copy": "copie", "ck_executor": "exécuteur", "ck_rules_digest": "empreinte des règles",
    "ck_rules_not_applied": "règles non appliquées", "ck_scheduler": "ordonnanceur", "ck_source": "source",
    "ck_tables": "tables", "ck_tasks_redone": "tâches refaites", "ck_user_settings": "réglages de l'utilisateur",
    "ck_attribution_conflicts": "conflits d'attribution", "ck_evidence_files": "fichiers des pièces",
    "ck_findings": "détections",
    "act_registry-adopted": "registre adopté", "act_registry-key-pinned": "clé du registre épinglée",
    "kind_archive": "archive", "kind_binary": "binaire", "kind_directory": "dossier", "kind_empty": "vide",
    "kind_encrypted": "chiffré", "kind_unknown": "inconnu", "kind_text": "texte", "kind_email": "courriel",
    "kind_sql-dump": "export SQL", "kind_xlsx": "classeur xlsx",
    "origin_bundled": "fournies", "origin_user": "de l'analyste",
    "det_bounds": "limites d'archives", "det_canary": "patients témoins", "det_identifiers": "identifiants",
    "det_records": "enregistrements", "det_typing": "typage", "det_watermark": "tatouages", "det_yara": "YARA",
    "stage_read": "lecture", "stage_beacons": "balises", "stage_archive": "archive", "stage_layer": "texte",
    "stage_worker": "processus", "stage_records": "enregistrements", "stage_typing": "typage",
    "stage_intake": "prise en charge",
    "stage_yara": "YARA", "stage_identifiers": "identifiants",
    "canary_kind_canary-patient": "patient témoin", "canary_kind_canary-study": "étude témoin",
    # summary: the leaked copy, the watermark
    "sum_copy": "{name} : données divulguées depuis {copies}.",
    "sum_copy_note": "Chaque destinataire est désigné par les balises (patients témoins, tatouage) créées pour lui "
                     "seul.",
    "copy_named": "la copie faite pour « {recipient} » ({records})",
    "quoted": "« {text} »",
    "copy_own": "la copie de l'établissement lui-même ({records})",
    "sum_watermark": "{name} : tatouage détecté dans {n} (meilleur résultat {p}, seuil p < 10^-6).",
    "sum_accused": "{name} : le code de traçage accuse {recipients} d'avoir fourni la copie divulguée "
                   "(probabilité d'accuser un destinataire innocent au plus {bound}).",
    "a_accusation_h": "Destinataires accusés par le code de traçage (Tardos)",
    "a_accusation_note": "Chaque destinataire d'un export reçoit son propre mot de code (code de Tardos "
                         "symétrique, Skoric 2008) sur les cellules marquées ; des destinataires qui fusionnent, "
                         "moyennent ou mélangent leurs copies laissent au moins l'un d'eux au-dessus du seuil. Le "
                         "seuil Z est fixé par une borne de Chernoff sur le score d'un innocent : la probabilité "
                         "d'accuser un innocent, quels que soient les fraudeurs, est au plus {bound}.",
    "a_accusation_legacy_note": "Table tatouée par le schéma précédent ({scheme}) : chaque destinataire y avait sa "
                                "propre clé, sans code de traçage. Un destinataire est accusé quand la probabilité "
                                "de sa clé, multipliée par le nombre de clés de l'établissement, est sous {bound} "
                                "(score et seuil en -log10 p) ; ce schéma ne résiste pas à des destinataires qui "
                                "fusionnent leurs copies.",
    "a_accused": "{recipient} : score {score} au-dessus du seuil {threshold} sur {cells} ({tested}) ; "
                 "probabilité que cette accusation soit fausse : {p}.",
    "strength_canary_n": "preuve certaine : {n} de l'établissement retrouvés dans les données",
    # per-establishment report
    "scope_note": "Rapport destiné à {name} : seuls ses enregistrements et ses patients y sont détaillés. Les "
                  "autres établissements concernés ne figurent qu'en nombres, sans aucune donnée de leurs "
                  "patients.",
    "scope_others_h": "Autres établissements concernés (nombres seulement)",
    "scope_cover": "Destinataire du rapport",
    "scope_findings_note": "Les détections sont limitées aux éléments portant des enregistrements de {name}.",
    # what to do now
    "s_actions": "Que faire maintenant",
    "act_intro": "En mots simples, ce que le responsable de traitement et son DPO doivent faire dès "
                 "maintenant :",
    "act_notify": "Notifier la violation à la CNIL dans les 72 heures après en avoir eu connaissance (RGPD, "
                  "art. 33), même si tous les éléments ne sont pas encore connus : la notification peut être "
                  "complétée ensuite. La section 5 donne les éléments du formulaire.",
    "act_inform": "Informer les patients concernés sans retard lorsque le risque pour eux est élevé (RGPD, "
                  "art. 34) : c'est le cas ici, puisque des données de santé et des identifiants sont exposés.",
    "act_revoke": "Couper les accès des destinataires dont la copie a fui ({recipients}) : comptes, clés, "
                  "partages et flux d'export ; leur demander de rechercher la fuite chez eux.",
    "act_revoke_none": "Couper les accès par lesquels les données ont pu sortir (comptes, partages, flux "
                       "d'export) et rechercher la fuite.",
    "act_preserve": "Préserver les preuves : garder la pièce et le dossier d'affaire intacts (ne pas les "
                    "modifier ni les recopier hors des circuits prévus), conserver ce rapport et son empreinte, "
                    "et les remettre tels quels aux enquêteurs ou à l'expert.",
    "act_complaint": "Envisager un dépôt de plainte et informer l'ARS et le CERT Santé (signalement des "
                     "incidents de sécurité des établissements de santé).",
    "scope_counts_only": "nombres seulement",
    "ck_field": "champ", "ck_value": "valeur", "fld_facility_code": "code d'établissement",
    "fld_facility_finess": "FINESS de l'établissement", "fld_facility_name": "nom de l'établissement",
    "fld_dicom_uid": "UID DICOM", "ck_uid_root": "racine d'UID", "ck_institution": "institution",
    "ck_pattern_name": "format",
    "why_encrypted": "chiffré : aucun des mots de passe fournis ne l'ouvre ; son contenu n'a pas été analysé",
    "why_skipped": "non lu (limite atteinte ou analyse interrompue)",
    "why_partial": "analysé en partie", "why_error": "erreur",
    "list_and": " et ",
    "yes": "oui",
    "no": "non",
}

EN: dict[str, str] = {
    "banner": "Health data - Confidential",
    "page_of": "page {n} / {m}",
    "header_case": "Case {case}",
    "cover_title": "Forensic analysis report",
    "cover_subtitle": "Leaked health data set: contents, origin, people exposed",
    "cover_case_number": "Case number",
    "cover_case_title": "Title",
    "cover_analyst": "Analyst",
    "cover_organisation": "Organisation",
    "cover_case_created": "Case opened",
    "cover_report_date": "Report written",
    "cover_tool": "Tool",
    "cover_evidence": "Evidence analysed",
    "cover_custody": "Custody log",
    "cover_custody_value": "{n} entries, head {head}",
    "cover_custody_value_one": "{n} entry, head {head}",
    "cover_masked": "Personal identifiers (NIR, names, contact details) are masked in this report; the case store "
                    "keeps them for the analyst.",
    "cover_unmasked": "WARNING: this report shows personal identifiers IN CLEAR (--unmasked option). Restrict its "
                      "distribution to authorised people.",
    "cover_classification": "This document describes personal health data (GDPR article 9). It is confidential: "
                            "share it only with people who need it to handle the incident.",
    "unknown": "not recorded",
    "utc": "UTC",
    "s_summary": "1. Executive summary",
    "s_evidence": "2. Evidence",
    "s_method": "3. Method",
    "s_attribution": "4. Attribution per establishment",
    "s_gdpr": "5. Breach-notification figures (GDPR art. 33)",
    "s_findings": "6. Findings",
    "s_annexes": "7. Appendices",
    "sum_found": "The analysis covers {evidence} ({size}) holding {items}. They yielded {records} describing "
                 "about {patients}.",
    "sum_no_records": "The analysis covers {evidence} ({size}) holding {items}. No record describing a person was "
                      "extracted from them.",
    "sum_nir": "Valid, distinct social security numbers (NIR) detected: {nir}.",
    "sum_establishments": "Data comes from {n} of the beacon registry: {names}.",
    "sum_no_establishment": "No data could be traced to an establishment of the beacon registry.",
    "sum_unattributed": "Unattributed records: {records}. No evidence ties them to an establishment of the registry, "
                        "and no establishment is blamed without evidence.",
    "sum_categories": "Categories of data exposed: {cats}.",
    "sum_span": "The records' dates (stays, examinations, results) run from {first} to {last}. The latest date "
                "bounds when the data was taken: on {last} or later.",
    "sum_strength_intro": "Strength of each attribution:",
    "sum_strength_item": "{name} (FINESS {finess}): {records}, {patients}; {strength}.",
    "strength_canary": "conclusive proof: canary patients (beacons) of the establishment found in the data ({n})",
    "strength_canary_partial": "proof to be confirmed: {n} matched on a single field",
    "strength_watermark": "strong proof: the establishment's watermark was detected ({p})",
    "strength_identifier": "probable: an explicit identifier of the establishment appears in the records",
    "strength_pattern": "weak hint: only the format of patient or stay numbers matches",
    "strength_none": "no proof",
    "sum_conflicts": "Containers carrying beacons of several establishments (merged data): {n}. Each record in them "
                     "is attributed by its own evidence (section 4).",
    "sum_errors": "Items that could not be fully analysed: {n} (section 3).",
    "sum_verified_ok": "The evidence was hashed again when this report was written: it is unchanged since "
                       "acquisition.",
    "sum_verified_changed": "WARNING: at least one evidence item changed since acquisition (section 2).",
    "sum_chain_ok": "The custody log is intact ({n} chained entries).",
    "sum_chain_ok_one": "The custody log is intact ({n} entry).",
    "sum_chain_broken": "WARNING: the custody log is not intact (appendix B).",
    "sum_results_ok": "The {n} result files were hashed again: they are those the scan sealed in the log.",
    "sum_results_ok_one": "The result file was hashed again: it is the one the scan sealed in the log.",
    "sum_results_broken": "WARNING: result files are no longer those the scan sealed: {problems}.",
    "ev_intro": "Each evidence item was taken in read-only and hashed (MD5, SHA-1, SHA-256) at acquisition. This "
                "report hashed it again when it was written and compares the digests.",
    "ev_folder_note": "For a folder, the digests are those of its sorted manifest (path, size and SHA-256 of each "
                      "file); every file is checked.",
    "ev_heading": "Evidence {n}",
    "ev_path": "Path",
    "ev_type": "Type",
    "ev_file": "file",
    "ev_folder": "folder of {n}",
    "ev_size": "Size",
    "ev_acquired": "Acquired",
    "ev_reverified": "Verified again",
    "ev_result": "Result",
    "ev_unchanged": "unchanged (identical digests)",
    "ev_changed": "CHANGED since acquisition: {changes}",
    "ev_none": "No evidence is recorded in the case.",
    "m_detectors_h": "Detectors",
    "m_detectors": "Every item, at any depth of archives, was typed from its content (libmagic and our own "
                   "sniffers; the extension is recorded, never trusted), then analysed: YARA rules; identifiers "
                   "validated by their check digits (NIR/INS, FINESS, RPPS, IBAN, e-mail, phone); record extraction "
                   "(CSV, spreadsheets, SQL dumps, HL7 v2, FHIR, DICOM); look-up of canary patients by HMAC digest in "
                   "the signed registry; statistical test of digital watermarks (invisible marks the establishment "
                   "embeds in its exports; accepted below p < 10^-6). Nothing was extracted to disk or sent over a "
                   "network.",
    "m_detectors_seen": "Detectors that produced results in this case: {list}.",
    "m_attribution_order": "A record is attributed to an establishment by its strongest evidence: 1) a canary "
                           "patient of the establishment in the same container; 2) the establishment's watermark; "
                           "3) an explicit identifier (FINESS, HL7 facility, DICOM institution or UID root); 4) a "
                           "registered numbering format (weak hint); otherwise, unattributed.",
    "m_hashsets_h": "Hash sets",
    "m_hashsets": "Known-good files (hash in a known-good set) were not scanned; known-bad files are flagged with a "
                  "high-severity finding.",
    "col_hashset_role": "Role",
    "hashset_known-good": "known good",
    "hashset_known-bad": "known bad",
    "m_rules_h": "YARA rule sets",
    "m_rules_none": "No rule set is recorded in the case.",
    "m_rules_skipped": ("Rule files NOT applied ({n}): they did not compile and were skipped; that their rules "
                        "found nothing proves nothing."),
    "col_name": "Name",
    "col_file": "File:line",
    "col_reason": "Reason",
    "col_origin": "Origin",
    "col_sha256": "SHA-256",
    "m_registry_h": "Beacon registry",
    "m_registry_none": "No registry was used: no attribution to an establishment is possible, only findings are "
                       "reported.",
    "reg_path": "File",
    "reg_authority": "Authority",
    "reg_version": "Version",
    "reg_signature": "Ed25519 signature",
    "reg_key": "Signing key",
    "reg_sig_ok": "verified",
    "reg_sig_failed": "verification FAILED",
    "m_bounds_h": "Bounds applied (protection against archive bombs)",
    "m_bounds_none": "The tool's default bounds (not recorded in the case).",
    "bound_max_depth": "Maximum nesting depth",
    "bound_max_member_bytes": "Decompressed bytes per member",
    "bound_max_evidence_bytes": "Decompressed bytes per evidence",
    "bound_max_ratio": "Maximum expansion ratio",
    "bound_ratio_grace_bytes": "Bytes before the ratio is checked",
    "bound_max_members": "Members per archive",
    "m_kinds_h": "Items by kind (from their content)",
    "col_kind": "Kind",
    "col_count": "Count",
    "m_failed_h": "Failed items and why",
    "m_failed_none": "No item failed.",
    "m_failed_status": "Item status: {list}.",
    "m_failed_causes": "Causes: {list}.",
    "cause_truncated": "truncated file", "cause_damaged": "damaged content", "cause_encrypted": "encrypted",
    "cause_limit": "safety limit", "cause_special": "special file not opened", "cause_crashed": "worker process died",
    "cause_other": "other error",
    "m_failed_more": "{n} more errors are not listed here (see report.json).",
    "m_failed_more_one": "{n} more error is not listed here (see report.json).",
    "col_item": "Item",
    "col_stage": "Stage",
    "col_error": "Error",
    "a_intro": "For each establishment of the registry whose data was found: number of records and of distinct "
               "patients, bases of the attribution and proof. Confidence runs from 0 to 1.",
    "a_overview_h": "Overview",
    "col_establishment": "Establishment",
    "col_records": "Records",
    "col_patients": "Patients",
    "col_bases": "Bases",
    "col_strength": "Strength",
    "col_confidence": "Confidence",
    "a_unattributed_row": "Unattributed",
    "a_none": "No record is attributed to an establishment of the registry.",
    "a_charts_h": "Charts",
    "chart_per_establishment": "Records per establishment",
    "chart_per_category": "Records per data category",
    "chart_dates": "Records per {unit} of their latest date",
    "unit_month": "month",
    "unit_year": "year",
    "chart_records": "records",
    "chart_no_dates": "No usable date in the records.",
    "a_est_h": "{name} (FINESS {finess})",
    "a_records": "Records",
    "a_patients": "Distinct patients",
    "a_recipients": "Export recipients",
    "a_no_recipient": "the establishment itself",
    "a_span": "Date span",
    "a_bases": "Bases of the attribution",
    "a_basis_line": "{basis}: {records} (confidence {conf})",
    "a_canaries_h": "Canary patients (beacons) found",
    "a_canary_note": "A beacon is confirmed when two or more of its fields match within one record, partial on a "
                     "single field. The registry never stores the values in clear (HMAC digests).",
    "col_beacon": "Beacon",
    "col_status": "Status",
    "col_fields": "Fields",
    "col_where": "Where (item, location)",
    "col_recipient": "Recipient",
    "col_person": "Record",
    "status_confirmed": "confirmed",
    "status_partial": "partial",
    "a_more_canaries": "{n} more beacon matches are not listed (see report.json).",
    "a_more_canaries_one": "{n} more beacon match is not listed (see report.json).",
    "a_watermarks_h": "Watermarks detected",
    "a_watermark_note": "Binomial test with the establishment's secret key: p is the probability of seeing this "
                        "mark by chance. Only p < 10^-6 is accepted.",
    "col_wm_kind": "Kind",
    "col_rows": "Rows tested",
    "col_pvalue": "p",
    "col_fraction": "Marked fraction",
    "wm_table": "table watermark",
    "wm_image": "image watermark",
    "a_identifiers_h": "Explicit identifiers and numbering formats (examples)",
    "a_conflicts_h": "Conflicts: containers carrying beacons of several establishments",
    "a_conflicts_note": "These containers mix data of several establishments. Their records are not attributed as a "
                        "block: each one is attributed by its own evidence.",
    "col_container": "Container",
    "col_establishments": "Establishments",
    "a_unattributed": "Records tied to no establishment of the registry: {records} ({patients}). They may come from "
                      "an establishment that is not in the registry: none is blamed without evidence.",
    "basis_canary": "canary patient",
    "basis_watermark": "watermark",
    "basis_identifier": "explicit identifier",
    "basis_pattern": "numbering format",
    "basis_none": "none",
    "g_intro": "These figures are laid out for the data-protection officer (DPO) of each establishment concerned, "
               "in the order of the CNIL notification form. The notification is due within 72 hours of becoming "
               "aware of the breach (GDPR art. 33). Numbers are estimates from the analysis: \"people\" counts "
               "distinct patients (by NIR, else family name, given name and birth date).",
    "g_categories_h": "Categories of data and volumes",
    "col_category": "Category of data",
    "col_categories": "Categories of data",
    "col_proof": "Proof",
    "g_total": "All data",
    "col_people": "People (approx.)",
    "cat_identity": "Identity (civil status)",
    "cat_contact": "Contact details (address, phone, e-mail)",
    "cat_nir": "Social security number (NIR)",
    "cat_health-diagnosis": "Health: diagnoses",
    "cat_health-result": "Health: examination results",
    "cat_health-imaging": "Health: medical imaging",
    "cat_administrative": "Administrative data (stays, file numbers)",
    "g_per_establishment_h": "Per establishment (data controller)",
    "g_wording_h": "Suggested notification wording",
    "g_nature": "Nature of the breach: loss of confidentiality. A health data set was found outside the "
                "establishment's control ({evidence}).",
    "g_categories": "Categories of data concerned: {cats}. This is health data (GDPR art. 9).",
    "g_people": "Approximate number of people concerned: {people}.",
    "g_records": "Approximate number of records concerned: {records}.",
    "g_period": "Period covered by the data: from {first} to {last}.",
    "g_period_unknown": "Period covered by the data: not determined.",
    "g_establishments": "Establishments of origin identified: {names}.",
    "g_risk": "Likely consequences: health data and identifiers exposed; high risk to the rights and freedoms of "
              "the people concerned. Communication to the people concerned (art. 34) should be considered.",
    "g_nir_note": "Valid, distinct social security numbers detected across all evidence: {n}.",
    "f_identifiers_h": "Identifiers detected (validated by their check digits)",
    "col_type": "Type",
    "col_hits": "Occurrences",
    "col_unique": "Distinct values",
    "id_nir": "NIR / INS",
    "id_finess": "FINESS",
    "id_rpps": "RPPS",
    "id_iban": "IBAN",
    "id_email": "e-mail",
    "id_phone": "phone",
    "f_top_h": "Most frequent personal identifiers",
    "col_value": "Value",
    "col_items": "Items",
    "f_rules_h": "Rules hit",
    "f_rules_none": "No rule was hit.",
    "col_detector": "Detector",
    "col_rule": "Rule",
    "col_matches": "Matches",
    "col_severity": "Severity",
    "f_top_items_h": "Top items and excerpts per rule",
    "col_top_items": "Top items",
    "col_excerpt": "Excerpt",
    "f_rules_more": "{n} more rules are not detailed here (see report.json).",
    "f_rules_more_one": "{n} more rule is not detailed here (see report.json).",
    "x_items_h": "Appendix A. Item list",
    "x_items_intro": "{n}, in scan order, with their SHA-256 digest.",
    "x_items_csv": "The case holds {n}: their list is attached to this report as the appendix file \"{file}\" (CSV, "
                   "UTF-8), SHA-256 {sha}.",
    "col_size": "Size",
    "x_custody_h": "Appendix B. Custody log",
    "x_custody_ok": "Chain verified when this report was written: {n} entries, each holding the digest of the "
                    "previous one; chain head {head}.",
    "x_custody_ok_one": "Chain verified when this report was written: {n} entry; chain head {head}.",
    "x_custody_broken": "CHAIN BROKEN when this report was written: {problems}.",
    "x_custody_key": "Each entry is signed (Ed25519) with the case key, made with the case. Key fingerprint: "
                     "{fpr}; public key (base64): {pub}. Keep this fingerprint: \"balise case verify --case-key\" "
                     "refuses a case whose log was recomputed and signed with another key.",
    "x_custody_more": "The {n} oldest entries are not reproduced here; the full log is in the case (custody.jsonl).",
    "x_custody_more_one": "The oldest entry is not reproduced here; the full log is in the case (custody.jsonl).",
    "x_custody_pdf": "The SHA-256 of this PDF is written to the log after it is written (\"report-written\" entry).",
    "col_seq": "No.",
    "col_time": "Time (UTC)",
    "col_action": "Actor / action",
    "col_detail": "Detail and digest",
    "n_evidence": "evidence item|evidence items",
    "n_items": "item|items",
    "n_records": "record|records",
    "n_patients": "person|people",
    "n_patients_short": "patient|patients",
    "n_establishments": "establishment|establishments",
    "n_nir": "number|numbers",
    "n_canaries": "canary patient|canary patients",
    "n_canaries_confirmed": "confirmed canary patient|confirmed canary patients",
    "n_containers": "container|containers",
    "n_files": "file|files",
    "n_cells": "cell|cells",
    "n_recipients_tested": "recipient tested|recipients tested",
    "bytes": "bytes",
    "sev_info": "info",
    "sev_warning": "warning",
    "sev_high": "high",
    "st_done": "analysed",
    "st_error": "error",
    "st_partial": "partial",
    "st_encrypted": "encrypted",
    "st_skipped": "not read",
    "list_and": " and ",
    "yes": "yes",
    "no": "no",
    "range": "{lo} to {hi}",
    "fld_address": "address", "fld_birth_date": "birth date", "fld_email": "e-mail", "fld_ipp": "IPP",
    "fld_name": "name", "fld_nir": "NIR", "fld_phone": "phone", "fld_postcode": "postcode",
    "fld_given_name": "given name", "fld_family_name": "family name", "fld_nda": "NDA", "fld_sex": "sex",
    "loc_row": "row", "loc_table": "table", "loc_sheet": "sheet", "loc_msg": "message", "loc_entry": "entry",
    "loc_line": "line", "loc_page": "page", "loc_file": "whole file", "loc_image": "image",
    "loc_frame": "frame", "loc_member": "member",
    "act_case-created": "case created", "act_case-info": "case details",
    "act_scan-started": "scan started", "act_scan-resumed": "scan resumed",
    "act_scan-finished": "scan finished", "act_evidence-acquired": "evidence acquired",
    "act_evidence-verified": "evidence verified", "act_results-sealed": "results sealed",
    "act_results-counted": "results counted", "ck_figures_sha256": "figures digest",
    "ck_records": "records", "ck_patients": "people",
    "act_results-compacted": "results compacted", "act_attribution": "attribution",
    "act_attribution-conflict": "attribution conflict", "act_report-written": "report written",
    "act_worker-crash": "worker process crashed", "act_unmasking": "identifiers unmasked",
    "act_registry-changed": "registry changed",
    "ck_dir": "folder", "ck_path": "path", "ck_analyst": "analyst", "ck_case_number": "case number",
    "ck_organisation": "organisation", "ck_title": "title", "ck_bounds": "bounds", "ck_evidence": "evidence",
    "ck_jobs": "processes", "ck_registry": "registry", "ck_rulesets": "YARA rules", "ck_sha256": "SHA-256",
    "ck_sha1": "SHA-1", "ck_md5": "MD5", "ck_acquired_utc": "acquired (UTC)", "ck_files": "files",
    "ck_size": "size (bytes)", "ck_bases": "bases", "ck_canary": "canary patient", "ck_watermark": "watermark",
    "ck_identifier": "explicit identifier", "ck_pattern": "numbering pattern", "ck_none": "none",
    "ck_file": "file", "ck_rows": "rows", "ck_changes": "changes", "ck_evidence_id": "evidence no.",
    "ck_unchanged": "unchanged", "ck_bytes": "bytes", "ck_digest": "digest", "ck_elapsed_s": "duration (s)",
    "ck_errors": "errors", "ck_items": "items", "ck_tasks_done": "tasks done",
    "ck_tasks_total": "tasks in all", "ck_kind": "kind", "ck_lang": "language", "ck_unmasked": "in clear",
    "ck_who": "who", "ck_reason": "reason", "ck_scope": "scope", "ck_establishment": "establishment",
    "ck_key_id": "key fingerprint", "ck_version": "version", "ck_authority": "authority",
    "ck_verified_utc": "verified (UTC)", "ck_head": "chain head",
    "x_entry_hash": "entry hash",
    "ck_case": "case", "ck_case_key": "case key", "ck_case_public_key": "case public key",
    "ck_copy": "copy", "ck_executor": "executor", "ck_rules_digest": "rules digest",
    "ck_rules_not_applied": "rules not applied", "ck_scheduler": "scheduler", "ck_source": "source",
    "ck_tables": "tables", "ck_tasks_redone": "tasks redone", "ck_user_settings": "user settings",
    "ck_attribution_conflicts": "attribution conflicts", "ck_evidence_files": "evidence files",
    "ck_findings": "findings",
    "act_registry-adopted": "registry adopted", "act_registry-key-pinned": "registry key pinned",
    "kind_archive": "archive", "kind_binary": "binary", "kind_directory": "folder", "kind_empty": "empty",
    "kind_encrypted": "encrypted", "kind_unknown": "unknown", "kind_text": "text", "kind_email": "e-mail",
    "kind_sql-dump": "SQL dump", "kind_xlsx": "xlsx workbook",
    "origin_bundled": "bundled", "origin_user": "analyst's",
    "det_bounds": "archive bounds", "det_canary": "canary patients", "det_identifiers": "identifiers",
    "det_records": "records", "det_typing": "typing", "det_watermark": "watermarks", "det_yara": "YARA",
    "stage_read": "read", "stage_beacons": "beacons", "stage_archive": "archive", "stage_layer": "text",
    "stage_worker": "worker", "stage_records": "records", "stage_typing": "typing",
    "stage_intake": "intake",
    "stage_yara": "YARA", "stage_identifiers": "identifiers",
    "canary_kind_canary-patient": "canary patient", "canary_kind_canary-study": "canary study",
    "sum_copy": "{name}: data leaked from {copies}.",
    "sum_copy_note": "Each recipient is named by the beacons (canary patients, watermark) made for it alone.",
    "copy_named": "the copy made for \u201c{recipient}\u201d ({records})",
    "quoted": "\u201c{text}\u201d",
    "copy_own": "the establishment's own copy ({records})",
    "sum_watermark": "{name}: watermark detected in {n} (best result {p}, threshold p < 10^-6).",
    "sum_accused": "{name}: the fingerprint code accuses {recipients} of supplying the leaked copy "
                   "(probability of accusing an innocent recipient at most {bound}).",
    "a_accusation_h": "Recipients accused by the fingerprint code (Tardos)",
    "a_accusation_note": "Each recipient of an export gets its own codeword (symmetric Tardos code, Skoric 2008) "
                         "over the marked cells; recipients who merge, average or mix their copies leave at least "
                         "one of them above the threshold. The threshold Z comes from a Chernoff bound on an "
                         "innocent's score: the probability of accusing an innocent, whatever the colluders do, is "
                         "at most {bound}.",
    "a_accusation_legacy_note": "Table marked by the previous scheme ({scheme}): each recipient had its own key, "
                                "with no tracing code. A recipient is accused when its key's probability, times the "
                                "number of the establishment's keys, is below {bound} (score and threshold in "
                                "-log10 p); this scheme does not withstand recipients who merge their copies.",
    "a_accused": "{recipient}: score {score} above the threshold {threshold} over {cells} ({tested}); "
                 "probability that this accusation is wrong: {p}.",
    "strength_canary_n": "conclusive proof: {n} of the establishment found in the data",
    "scope_note": "Report for {name}: only its records and patients are detailed. The other establishments "
                  "concerned appear as counts only, with no data about their patients.",
    "scope_others_h": "Other establishments concerned (counts only)",
    "scope_cover": "Report for",
    "scope_findings_note": "The findings are limited to the items that hold records of {name}.",
    "s_actions": "What to do now",
    "act_intro": "In plain words, what the data controller and its DPO must do now:",
    "act_notify": "Notify the breach to the CNIL (the supervisory authority) within 72 hours of becoming aware "
                  "of it (GDPR art. 33), even if not everything is known yet: the notification can be completed "
                  "later. Section 5 gives the figures for the form.",
    "act_inform": "Inform the patients concerned without undue delay when the risk to them is high (GDPR "
                  "art. 34): it is, here, since health data and identifiers are exposed.",
    "act_revoke": "Revoke the access of the recipients whose copy leaked ({recipients}): accounts, keys, shares "
                  "and export feeds; ask them to look for the leak on their side.",
    "act_revoke_none": "Close the accesses through which the data may have left (accounts, shares, export "
                       "feeds) and look for the leak.",
    "act_preserve": "Preserve the evidence: keep the dump and the case folder intact (do not modify them or copy "
                    "them outside the planned channels), keep this report and its hash, and hand them over as "
                    "they are to the investigators or the court expert.",
    "act_complaint": "Consider filing a complaint, and report the incident to the regional health agency (ARS) "
                     "and the CERT Santé.",
    "scope_counts_only": "counts only",
    "ck_field": "field", "ck_value": "value", "fld_facility_code": "facility code",
    "fld_facility_finess": "facility FINESS", "fld_facility_name": "facility name",
    "fld_dicom_uid": "DICOM UID", "ck_uid_root": "UID root", "ck_institution": "institution",
    "ck_pattern_name": "pattern",
    "why_encrypted": "encrypted: none of the passwords given opens it; its contents were not analysed",
    "why_skipped": "not read (a bound was reached or the scan was interrupted)",
    "why_partial": "analysed in part", "why_error": "error",
}

def french_typography(text: str) -> str:
    """French spacing: a no-break space before ":", ";", "?", "!" (so that a line never starts with them), inside
    guillemets and after "art." and "n°". U+00A0 rather than the narrow U+202F: reportlab breaks lines at U+202F."""
    text = re.sub(r" :(?=\s|$)", "\u00a0:", text)
    text = re.sub(r" ([;?!])(?=\s|$)", "\u00a0\\1", text)
    text = re.sub(r"\b(art\.|n°) ", "\\1\u00a0", text)  # "art. 33" never broken after the point
    return text.replace("« ", "«\u00a0").replace(" »", "\u00a0»")


FR = {k: french_typography(v) for k, v in FR.items()}
EN = {k: re.sub(r"\bart\. ", "art.\u00a0", v) for k, v in EN.items()}
CATALOGUES = {"fr": FR, "en": EN}
CATEGORIES = ("identity", "contact", "nir", "health-diagnosis", "health-result", "health-imaging", "administrative")


def _pdf(text: str) -> str:
    return text.replace(numbers.NARROW_NBSP, numbers.NBSP)


class Tr:
    """Translator and formatter for one language."""

    def __init__(self, lang: str = "fr") -> None:
        if lang not in CATALOGUES:
            raise ValueError(f"unknown report language {lang!r}: use one of {', '.join(LANGS)}")
        self.lang = lang
        self.cat = CATALOGUES[lang]

    def __call__(self, key: str, **kw: object) -> str:
        text = self.cat[key]
        return text.format(**kw) if kw else text

    # reportlab breaks lines at U+202F (its list of spaces includes it) and draws it as a full space, so the
    # PDF groups French digits with U+00A0, which it never breaks; the charts (matplotlib) keep U+202F.
    def num(self, n: int | float | None) -> str:
        """Integers grouped by thousands: ``12 345`` (no-break space) in French, ``12,345`` in English."""
        return _pdf(numbers.number(n, self.lang))

    def dec(self, x: float | None, digits: int = 2) -> str:
        return "-" if x is None else _pdf(numbers.decimal(x, self.lang, digits))

    def pvalue(self, p: float | None, log10_p: float | None = None) -> str:
        """A p-value's value part: ``< 10^-4884`` when it underflowed (never "0", which no test gives)."""
        return _pdf(numbers.pvalue(p, log10_p, self.lang)).replace(" ", "\u00a0")

    def p_expr(self, p: float | None, log10_p: float | None = None) -> str:
        """``p < 10^-4884`` / ``p = 3,2 × 10^-14``, never broken across lines."""
        return _pdf(numbers.p_expression(p, log10_p, self.lang)).replace(" ", "\u00a0")

    def bound(self, bound: float) -> str:
        """An error bound: ``10^-6`` for a power of ten, else the p-value's digits."""
        exponent = math.log10(bound) if bound > 0 else -300.0
        if abs(exponent - round(exponent)) < 1e-9:
            return f"10^{round(exponent)}"
        return _pdf(numbers.pvalue(bound, None, self.lang))

    def colon(self) -> str:
        """The colon between a label and its value: French puts a no-break space before it."""
        return "\u00a0: " if self.lang == "fr" else ": "

    def label(self, text: str, value: str) -> str:
        """``label : value`` with the language's typography."""
        return f"{text}{self.colon()}{value}"

    def range(self, lo: float | None, hi: float | None) -> str:
        """A confidence range, or one value when both ends agree (never "0.99 to 0.99")."""
        if lo is None and hi is None:
            return "-"
        if lo is None or hi is None or round(lo, 2) == round(hi, 2):
            return self.dec(hi if lo is None else lo)
        return self("range", lo=self.dec(lo), hi=self.dec(hi))

    def field(self, name: str) -> str:
        """A record field (``birth_date``) in words."""
        key = f"fld_{name}"
        return self(key) if key in self.cat else name.replace("_", " ")

    def fields(self, names) -> str:
        return ", ".join(self.field(n) for n in names)

    def locator(self, loc: str | None) -> str:
        """A record locator (``table:patients/row:17``) in words: ``table patients, ligne 17``."""
        if not loc:
            return "-"
        parts = []
        for part in loc.split("/"):
            kind, sep, value = part.partition(":")
            key = f"loc_{kind}"
            if sep and key in self.cat:
                parts.append(f"{self(key)} {self.num(int(value)) if value.isdigit() else value}")
            else:
                parts.append(self(key) if key in self.cat and not sep else part)
        return ", ".join(parts)

    def locators(self, locs) -> str:
        """Several locators: ``ligne 57 ; ligne 58`` (French puts a no-break space before ";")."""
        return ("\u00a0; " if self.lang == "fr" else "; ").join(self.locator(x) for x in locs)

    def action(self, action: str | None) -> str:
        """A custody action (``evidence-acquired``) in words."""
        key = f"act_{action}"
        return self(key) if key in self.cat else str(action or "")

    def field_label(self, dotted: str) -> str:
        """A custody detail key (``bounds.max_depth``) in words, each part translated when known."""
        out = []
        for depth, part in enumerate(dotted.split(".")):
            if f"bound_{part}" in self.cat:
                out.append(self(f"bound_{part}"))
            elif f"ck_{part}" in self.cat:
                out.append(self(f"ck_{part}"))
            else:  # a name inside a list (a rule file's) is shown exactly as written
                out.append(part.replace("_", " ") if depth == 0 else part)
        return " · ".join(out)

    def kind(self, kind: str | None) -> str:
        """An item kind (content type) in words; format names (pdf, dicom, csv...) stay as they are."""
        key = f"kind_{kind}"
        return self(key) if key in self.cat else str(kind or "")

    def word(self, prefix: str, value: str | None) -> str:
        """Any enumerated value with a catalogue entry ``prefix_value``, else the value itself."""
        key = f"{prefix}_{value}"
        return self(key) if key in self.cat else str(value or "")

    def plural(self, key: str, count: int, **kw: object) -> str:
        """The sentence ``key`` for ``count`` (its number as ``{n}``): ``key_one`` when the count takes the
        singular (French: 0 and 1, English: 1) and the catalogue has it. "Les 1 fichiers de résultats ont été
        hachés" and "1 autres erreurs" came from one plural template used for every count."""
        one = count <= 1 if self.lang == "fr" else count == 1
        chosen = f"{key}_one" if one and f"{key}_one" in self.cat else key
        return self(chosen, **{"n": self.num(count), **kw})

    def n(self, count: int, noun_key: str) -> str:
        """``3 enregistrements`` / ``1 record``."""
        singular, _, plural = self.cat[noun_key].partition("|")
        one = count <= 1 if self.lang == "fr" else count == 1
        return f"{self.num(count)} {singular if one else plural or singular}"

    def size(self, nbytes: int | None) -> str:
        if nbytes is None:
            return "-"
        units = ("o", "Ko", "Mo", "Go", "To") if self.lang == "fr" else ("B", "KB", "MB", "GB", "TB")
        value, unit = float(nbytes), 0
        while value >= 1000 and unit < len(units) - 1:
            value /= 1000
            unit += 1
        if unit == 0:
            return f"{self.num(nbytes)} {self('bytes')}"
        return f"{self.dec(value, 1)} {units[unit]} ({self.num(nbytes)} {self('bytes')})"

    def size_short(self, nbytes: int | None) -> str:
        """``22,6 Ko`` / ``22.6 KB``."""
        return self.size(nbytes).split(" (")[0]

    def date(self, iso: str | None) -> str:
        """A yyyy-mm-dd date: dd/mm/yyyy in French, unchanged in English."""
        if not iso:
            return self("unknown")
        day = iso[:10]
        if self.lang == "fr" and len(day) == 10 and day[4] == "-" and day[7] == "-":
            return f"{day[8:10]}/{day[5:7]}/{day[0:4]}"
        return day

    def timestamp(self, iso: str | None) -> str:
        """An ISO UTC timestamp as ``2025-03-14 09:12:05 UTC``."""
        if not iso:
            return self("unknown")
        text = iso.replace("T", " ").replace("Z", "").replace("+00:00", "")
        return f"{text} {self('utc')}"

    def join(self, items: list[str]) -> str:
        if not items:
            return ""
        if len(items) == 1:
            return items[0]
        return ", ".join(items[:-1]) + self("list_and") + items[-1]

    def basis(self, basis: str | None) -> str:
        key = f"basis_{basis or 'none'}"
        return self(key) if key in self.cat else str(basis)

    def status(self, status: str | None) -> str:
        """An item status (done, error...) in words."""
        key = f"st_{status}"
        return self(key) if key in self.cat else str(status or "")

    def category(self, cat: str) -> str:
        key = f"cat_{cat}"
        return self(key) if key in self.cat else cat
