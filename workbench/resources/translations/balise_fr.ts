<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="fr_FR" sourcelanguage="en">
<context>
    <name>AttributionDashboard</name>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="128"/>
        <source>No attribution yet: scan the evidence with a registry loaded.</source>
        <translation>Pas encore d&apos;attribution : analysez les scellés avec un registre chargé.</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="135"/>
        <source>FINESS</source>
        <translation>FINESS</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="135"/>
        <source>Establishment</source>
        <translation>Établissement</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="135"/>
        <location filename="../../gui/widgets/dashboard.py" line="190"/>
        <source>Records</source>
        <translation>Enregistrements</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="136"/>
        <source>Patients</source>
        <translation>Patients</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="136"/>
        <source>Bases</source>
        <translation>Fondements</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="136"/>
        <source>Proof items</source>
        <translation>Éléments de preuve</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="144"/>
        <source>Computing the attribution…</source>
        <translation>Calcul de l&apos;attribution…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="147"/>
        <source>The attribution could not be computed: %1</source>
        <translation>L&apos;attribution n&apos;a pas pu être calculée : %1</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/widgets/dashboard.py" line="162"/>
        <source>%Ln record(s)</source>
        <translation>
            <numerusform>%Ln enregistrement</numerusform>
            <numerusform>%Ln enregistrements</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/widgets/dashboard.py" line="162"/>
        <source>%Ln patient(s)</source>
        <translation>
            <numerusform>%Ln patient</numerusform>
            <numerusform>%Ln patients</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/widgets/dashboard.py" line="163"/>
        <source>%Ln record(s) attributed</source>
        <translation>
            <numerusform>%Ln enregistrement attribué</numerusform>
            <numerusform>%Ln enregistrements attribués</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/widgets/dashboard.py" line="164"/>
        <source>%Ln establishment(s)</source>
        <translation>
            <numerusform>%Ln établissement</numerusform>
            <numerusform>%Ln établissements</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/widgets/dashboard.py" line="165"/>
        <source>%Ln unattributed</source>
        <translation>
            <numerusform>%Ln non attribué</numerusform>
            <numerusform>%Ln non attribués</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="166"/>
        <source>%1 about %2; %3 to %4, %5.</source>
        <translation>%1 concernant %2 ; %3 à %4, %5.</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="172"/>
        <source>%1: %2</source>
        <translation>%1&#xa0;: %2</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="186"/>
        <source>Unattributed</source>
        <translation>Non attribués</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="189"/>
        <source>Records per establishment</source>
        <translation>Enregistrements par établissement</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/dashboard.py" line="208"/>
        <source>Basis of each attribution</source>
        <translation>Fondement de chaque attribution</translation>
    </message>
</context>
<context>
    <name>CasePage</name>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="56"/>
        <source>Case</source>
        <translation>Dossier</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="60"/>
        <source>Add files…</source>
        <translation>Ajouter des fichiers…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="61"/>
        <source>Add a folder…</source>
        <translation>Ajouter un dossier…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="62"/>
        <source>Remove</source>
        <translation>Retirer</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="67"/>
        <source>Evidence (drop files or folders here)</source>
        <translation>Scellés (déposez ici fichiers ou dossiers)</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="76"/>
        <source>Load a registry…</source>
        <translation>Charger un registre…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="79"/>
        <source>Rules…</source>
        <translation>Règles…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="80"/>
        <source>Detection</source>
        <translation>Détection</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="88"/>
        <source>Registry</source>
        <translation>Registre</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="89"/>
        <source>YARA rules</source>
        <translation>Règles YARA</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="91"/>
        <location filename="../../gui/widgets/casepage.py" line="98"/>
        <source>Scan</source>
        <translation>Analyser</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="92"/>
        <source>Resume</source>
        <translation>Reprendre</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="93"/>
        <source>Cancel</source>
        <translation>Annuler</translation>
    </message>
</context>
<context>
    <name>Columns</name>
    <message>
        <location filename="../../gui/models/tables.py" line="12"/>
        <source>Item</source>
        <translation>Élément</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="13"/>
        <source>Locator</source>
        <translation>Position</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="23"/>
        <source>NIR</source>
        <translation>NIR</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="24"/>
        <source>Family name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="25"/>
        <source>Given name</source>
        <translation>Prénom</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="26"/>
        <source>Born</source>
        <translation>Naissance</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="27"/>
        <source>Sex</source>
        <translation>Sexe</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="28"/>
        <source>Latest date</source>
        <translation>Date la plus récente</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="14"/>
        <source>Establishment</source>
        <translation>Établissement</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="15"/>
        <source>Recipient</source>
        <translation>Destinataire</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="31"/>
        <source>Basis</source>
        <translation>Fondement</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="32"/>
        <source>Confidence</source>
        <translation>Confiance</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="40"/>
        <source>Detector</source>
        <translation>Détecteur</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="41"/>
        <source>Rule</source>
        <translation>Règle</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="42"/>
        <source>Severity</source>
        <translation>Gravité</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="43"/>
        <source>Layer</source>
        <translation>Couche</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="44"/>
        <source>Offset</source>
        <translation>Position (octet)</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="45"/>
        <source>Excerpt</source>
        <translation>Extrait</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="52"/>
        <source>Beacon</source>
        <translation>Balise</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="79"/>
        <source>Type</source>
        <translation>Type</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="80"/>
        <source>Value</source>
        <translation>Valeur</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="81"/>
        <source>Occurrences</source>
        <translation>Occurrences</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="83"/>
        <source>First offset</source>
        <translation>Première position (octet)</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="92"/>
        <source>Stage</source>
        <translation>Étape</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="93"/>
        <source>Cause</source>
        <translation>Cause</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="96"/>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="16"/>
        <location filename="../../gui/models/tree.py" line="35"/>
        <source>Kind</source>
        <translation>Type</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="54"/>
        <location filename="../../gui/models/tree.py" line="36"/>
        <source>Status</source>
        <translation>État</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="68"/>
        <source>p-value</source>
        <translation>Valeur p</translation>
    </message>
    <message>
        <location filename="../../gui/models/tables.py" line="69"/>
        <source>Rows</source>
        <translation>Lignes</translation>
    </message>
    <message>
        <location filename="../../gui/models/tree.py" line="35"/>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <location filename="../../gui/models/tree.py" line="36"/>
        <source>Size</source>
        <translation>Taille</translation>
    </message>
    <message>
        <location filename="../../gui/models/tree.py" line="37"/>
        <source>Findings</source>
        <translation>Détections</translation>
    </message>
    <message>
        <location filename="../../gui/models/tree.py" line="37"/>
        <source>Records</source>
        <translation>Enregistrements</translation>
    </message>
</context>
<context>
    <name>DetailsPane</name>
    <message>
        <location filename="../../gui/widgets/details.py" line="50"/>
        <source>Select a finding, a beacon, a record or an establishment to see its proof.</source>
        <translation>Sélectionnez une détection, une balise, un enregistrement ou un établissement pour voir sa preuve.</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="96"/>
        <source>yes</source>
        <translation>oui</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="96"/>
        <source>no</source>
        <translation>non</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="125"/>
        <source>Detector</source>
        <translation>Détecteur</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="126"/>
        <source>Rule</source>
        <translation>Règle</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="127"/>
        <source>Severity</source>
        <translation>Gravité</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="127"/>
        <location filename="../../gui/widgets/details.py" line="147"/>
        <location filename="../../gui/widgets/details.py" line="170"/>
        <location filename="../../gui/widgets/details.py" line="182"/>
        <source>Item</source>
        <translation>Élément</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="128"/>
        <source>Layer</source>
        <translation>Couche</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="129"/>
        <source>Offset</source>
        <translation>Position (octet)</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="130"/>
        <source>Tags</source>
        <translation>Étiquettes</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="134"/>
        <source>Finding</source>
        <translation>Détection</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="143"/>
        <location filename="../../gui/widgets/details.py" line="156"/>
        <source>Beacon</source>
        <translation>Balise</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="144"/>
        <location filename="../../gui/widgets/details.py" line="165"/>
        <source>Kind</source>
        <translation>Type</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="145"/>
        <source>Status</source>
        <translation>État</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="146"/>
        <location filename="../../gui/widgets/details.py" line="166"/>
        <location filename="../../gui/widgets/details.py" line="183"/>
        <location filename="../../gui/widgets/details.py" line="208"/>
        <source>Establishment</source>
        <translation>Établissement</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="147"/>
        <location filename="../../gui/widgets/details.py" line="167"/>
        <source>Recipient</source>
        <translation>Destinataire</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="148"/>
        <source>Item SHA-256</source>
        <translation>SHA-256 de l&apos;élément</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="149"/>
        <location filename="../../gui/widgets/details.py" line="170"/>
        <source>Locator</source>
        <translation>Position</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="150"/>
        <source>Container</source>
        <translation>Conteneur</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="151"/>
        <source>Fields matched</source>
        <translation>Champs concordants</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="152"/>
        <source>Sightings of this beacon</source>
        <translation>Occurrences de cette balise</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="153"/>
        <source>A canary is a fictitious patient planted by the establishment in its own systems: finding it in the dump proves that this container came from that establishment (or the recipient of that copy).</source>
        <translation>Un patient témoin est un patient fictif placé par l&apos;établissement dans ses propres systèmes : le trouver dans la fuite prouve que ce conteneur provient de cet établissement (ou du destinataire de cette copie).</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="167"/>
        <source>Rows tested</source>
        <translation>Lignes testées</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="168"/>
        <source>p-value</source>
        <translation>Valeur p</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="169"/>
        <source>Fraction of marks found</source>
        <translation>Proportion de marques retrouvées</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="173"/>
        <source>Accepted: p-value below 1e-6.</source>
        <translation>Retenu : valeur p inférieure à 1e-6.</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="173"/>
        <source>Not accepted as proof (p-value not below 1e-6).</source>
        <translation>Non retenu comme preuve (valeur p non inférieure à 1e-6).</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="174"/>
        <source>Watermark</source>
        <translation>Tatouage</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="184"/>
        <source>Basis</source>
        <translation>Fondement</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="185"/>
        <source>Confidence</source>
        <translation>Confiance</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="188"/>
        <location filename="../../gui/widgets/details.py" line="209"/>
        <source>Proof</source>
        <translation>Preuve</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="194"/>
        <source>Record</source>
        <translation>Enregistrement</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="195"/>
        <source>Source fields</source>
        <translation>Champs d&apos;origine</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="102"/>
        <location filename="../../gui/widgets/details.py" line="201"/>
        <source>%1: %2</source>
        <translation>%1&#xa0;: %2</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="203"/>
        <source>FINESS</source>
        <translation>FINESS</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="204"/>
        <source>Name</source>
        <translation>Nom</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="205"/>
        <source>Records</source>
        <translation>Enregistrements</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="205"/>
        <source>Patients</source>
        <translation>Patients</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/details.py" line="206"/>
        <source>Bases</source>
        <translation>Fondements</translation>
    </message>
</context>
<context>
    <name>EvidenceList</name>
    <message>
        <location filename="../../gui/widgets/inputs.py" line="23"/>
        <source>Drop dump files or folders here</source>
        <translation>Déposez ici les fichiers ou dossiers de la fuite</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/inputs.py" line="38"/>
        <source>in the case</source>
        <translation>dans le dossier</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/inputs.py" line="38"/>
        <source>to scan</source>
        <translation>à analyser</translation>
    </message>
</context>
<context>
    <name>ExportDialog</name>
    <message>
        <location filename="../../gui/dialogs/export.py" line="28"/>
        <source>Export the report</source>
        <translation>Exporter le rapport</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="29"/>
        <source>PDF report</source>
        <translation>Rapport PDF</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="30"/>
        <source>report.json</source>
        <translation>report.json</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="31"/>
        <source>Records CSV (attribution of each record, no identifiers)</source>
        <translation>CSV des enregistrements (attribution de chacun, sans identifiant)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="40"/>
        <source>Identifiers in clear (NIR, names…)</source>
        <translation>Identifiants en clair (NIR, noms…)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="37"/>
        <source>The whole case</source>
        <translation>Toute l&apos;affaire</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="60"/>
        <source>For</source>
        <translation>Destinataire</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="41"/>
        <source>The report will hold personal health data in clear: share it only with those entitled to it.</source>
        <translation>Le rapport contiendra des données de santé personnelles en clair : ne le communiquez qu&apos;aux personnes habilitées.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="48"/>
        <source>Browse…</source>
        <translation>Parcourir…</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="57"/>
        <source>Files</source>
        <translation>Fichiers</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="61"/>
        <source>Language</source>
        <translation>Langue</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="62"/>
        <source>Masking</source>
        <translation>Masquage</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="64"/>
        <source>Folder</source>
        <translation>Dossier</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="66"/>
        <source>Export</source>
        <translation>Exporter</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/export.py" line="73"/>
        <source>Folder for the reports</source>
        <translation>Dossier des rapports</translation>
    </message>
</context>
<context>
    <name>ItemViewer</name>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="149"/>
        <source>Text</source>
        <translation>Texte</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="150"/>
        <source>Table</source>
        <translation>Tableau</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="151"/>
        <source>Image and tags</source>
        <translation>Image et balises DICOM</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="152"/>
        <source>Hex</source>
        <translation>Hexadécimal</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="169"/>
        <source>Select an item in the evidence tree to view it.</source>
        <translation>Sélectionnez un élément dans l&apos;arborescence des scellés pour l&apos;afficher.</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="211"/>
        <source>folder</source>
        <translation>dossier</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="221"/>
        <source>loading…</source>
        <translation>chargement…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="258"/>
        <source>Cannot read this item again: %1</source>
        <translation>Impossible de relire cet élément : %1</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="329"/>
        <source>Highlighted: %1 and %2.</source>
        <translation>Surlignés : %1 et %2.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/widgets/viewer.py" line="329"/>
        <source>%Ln identifier(s)</source>
        <translation>
            <numerusform>%Ln identifiant</numerusform>
            <numerusform>%Ln identifiants</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/widgets/viewer.py" line="330"/>
        <source>%Ln rule hit(s)</source>
        <translation>
            <numerusform>%Ln détection de règle</numerusform>
            <numerusform>%Ln détections de règles</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="366"/>
        <source>No table preview: %1</source>
        <translation>Pas d&apos;aperçu en tableau : %1</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="388"/>
        <source>Not a readable DICOM file: %1</source>
        <translation>Fichier DICOM illisible : %1</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="394"/>
        <source>No image in this DICOM file</source>
        <translation>Pas d&apos;image dans ce fichier DICOM</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="397"/>
        <source>Tag</source>
        <translation>Balise</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="397"/>
        <source>Keyword</source>
        <translation>Mot-clé</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="397"/>
        <source>VR</source>
        <translation>VR</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/viewer.py" line="397"/>
        <source>Value</source>
        <translation>Valeur</translation>
    </message>
</context>
<context>
    <name>Labels</name>
    <message>
        <location filename="../../gui/labels.py" line="16"/>
        <source>canary patient</source>
        <translation>patient témoin</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="17"/>
        <source>table watermark</source>
        <translation>tatouage de table</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="17"/>
        <source>image watermark</source>
        <translation>tatouage d&apos;image</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="18"/>
        <source>DICOM signed tag</source>
        <translation>balise DICOM signée</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="20"/>
        <source>confirmed</source>
        <translation>confirmé</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="20"/>
        <source>partial</source>
        <translation>partiel</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="22"/>
        <source>watermark</source>
        <translation>tatouage</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="23"/>
        <source>none</source>
        <translation>aucune</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="23"/>
        <source>numbering format</source>
        <translation>format de numérotation</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="24"/>
        <source>high</source>
        <translation>élevée</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="24"/>
        <source>medium</source>
        <translation>moyenne</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="24"/>
        <source>low</source>
        <translation>faible</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="25"/>
        <location filename="../../gui/labels.py" line="84"/>
        <source>proof</source>
        <translation>preuve</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="25"/>
        <source>strong</source>
        <translation>forte</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="25"/>
        <source>weak</source>
        <translation>faible</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="27"/>
        <source>critical</source>
        <translation>critique</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="27"/>
        <source>warning</source>
        <translation>avertissement</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="27"/>
        <source>info</source>
        <translation>information</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="28"/>
        <source>YARA rule</source>
        <translation>règle YARA</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="28"/>
        <source>identifiers</source>
        <translation>identifiants</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="28"/>
        <source>bounds</source>
        <translation>limites</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="30"/>
        <source>done</source>
        <translation>traité</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="30"/>
        <source>ok</source>
        <translation>ok</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="30"/>
        <source>error</source>
        <translation>erreur</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="31"/>
        <source>encrypted</source>
        <translation>chiffré</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="31"/>
        <source>skipped</source>
        <translation>ignoré</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="32"/>
        <source>folder</source>
        <translation>dossier</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="32"/>
        <source>archive</source>
        <translation>archive</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="32"/>
        <source>text</source>
        <translation>texte</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="33"/>
        <source>binary</source>
        <translation>binaire</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="33"/>
        <source>empty</source>
        <translation>vide</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="33"/>
        <source>image</source>
        <translation>image</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="34"/>
        <source>raw bytes</source>
        <translation>octets bruts</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="34"/>
        <source>office text</source>
        <translation>texte bureautique</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="35"/>
        <source>PDF text</source>
        <translation>texte PDF</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="35"/>
        <source>e-mail body</source>
        <translation>corps du courriel</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="36"/>
        <source>typing</source>
        <translation>typage</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="36"/>
        <source>reading</source>
        <translation>lecture</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="37"/>
        <source>parsing</source>
        <translation>analyse syntaxique</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="37"/>
        <source>records</source>
        <translation>enregistrements</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="38"/>
        <source>worker process</source>
        <translation>processus d&apos;analyse</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="38"/>
        <source>beacon search</source>
        <translation>recherche de balises</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="41"/>
        <source>truncated file</source>
        <translation>fichier tronqué</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="42"/>
        <source>safety limit</source>
        <translation>limite de sécurité</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="42"/>
        <source>not a regular file</source>
        <translation>pas un fichier ordinaire</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="43"/>
        <source>worker died</source>
        <translation>processus d&apos;analyse arrêté</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="43"/>
        <source>other</source>
        <translation>autre</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="45"/>
        <source>NIR / INS</source>
        <translation>NIR / INS</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="45"/>
        <source>FINESS</source>
        <translation>FINESS</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="46"/>
        <source>RPPS</source>
        <translation>RPPS</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="46"/>
        <source>IBAN</source>
        <translation>IBAN</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="49"/>
        <source>M</source>
        <translation>M</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="49"/>
        <source>F</source>
        <translation>F</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="52"/>
        <source>name</source>
        <translation>nom</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="52"/>
        <source>found at</source>
        <translation>trouvé à</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="54"/>
        <source>description</source>
        <translation>description</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="54"/>
        <source>author</source>
        <translation>auteur</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="55"/>
        <source>category</source>
        <translation>catégorie</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="55"/>
        <source>severity</source>
        <translation>gravité</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="56"/>
        <source>note</source>
        <translation>note</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="56"/>
        <source>matches</source>
        <translation>correspondances</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="57"/>
        <source>reference</source>
        <translation>référence</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="59"/>
        <source>log10 of p (mark present)</source>
        <translation>log10 de p (présence de la marque)</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="60"/>
        <source>numeric votes</source>
        <translation>votes numériques</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="61"/>
        <source>numeric matches</source>
        <translation>correspondances numériques</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="62"/>
        <source>row groups</source>
        <translation>groupes de lignes</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="62"/>
        <source>row matches</source>
        <translation>lignes concordantes</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="63"/>
        <source>accusation</source>
        <translation>accusation</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="63"/>
        <source>scheme</source>
        <translation>schéma</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="64"/>
        <source>recipients tested</source>
        <translation>destinataires testés</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="65"/>
        <source>threshold</source>
        <translation>seuil</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="65"/>
        <source>score</source>
        <translation>score</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="66"/>
        <source>error bound</source>
        <translation>borne d&apos;erreur</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="66"/>
        <source>accused</source>
        <translation>accusé</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="67"/>
        <source>cells</source>
        <translation>cellules</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="68"/>
        <source>DICOM UID</source>
        <translation>UID DICOM</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="69"/>
        <source>NIR</source>
        <translation>NIR</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="69"/>
        <source>family name</source>
        <translation>nom</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="69"/>
        <source>birth name</source>
        <translation>nom de naissance</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="70"/>
        <source>given name</source>
        <translation>prénom</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="70"/>
        <source>date of birth</source>
        <translation>date de naissance</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="70"/>
        <source>sex</source>
        <translation>sexe</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="71"/>
        <source>IPP</source>
        <translation>IPP</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="71"/>
        <source>stay number (NDA)</source>
        <translation>numéro de séjour (NDA)</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="47"/>
        <location filename="../../gui/labels.py" line="71"/>
        <source>phone</source>
        <translation>téléphone</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="22"/>
        <source>explicit identifier</source>
        <translation>identifiant explicite</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="39"/>
        <source>intake</source>
        <translation>prise en charge</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="39"/>
        <source>text extraction</source>
        <translation>extraction du texte</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="41"/>
        <source>damaged</source>
        <translation>endommagé</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="47"/>
        <location filename="../../gui/labels.py" line="72"/>
        <source>e-mail</source>
        <translation>e-mail</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="72"/>
        <source>address</source>
        <translation>adresse</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="72"/>
        <source>postcode</source>
        <translation>code postal</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="73"/>
        <source>city</source>
        <translation>commune</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="73"/>
        <source>facility</source>
        <translation>structure</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="74"/>
        <source>facility FINESS</source>
        <translation>FINESS de la structure</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="74"/>
        <source>facility code</source>
        <translation>code de la structure</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="75"/>
        <source>facility name</source>
        <translation>nom de la structure</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="75"/>
        <source>event dates</source>
        <translation>dates d&apos;événements</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="76"/>
        <source>first event</source>
        <translation>premier événement</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="76"/>
        <source>latest event</source>
        <translation>dernier événement</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="77"/>
        <source>data categories</source>
        <translation>catégories de données</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="77"/>
        <source>locator</source>
        <translation>emplacement</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="77"/>
        <source>table</source>
        <translation>table</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="78"/>
        <source>identity</source>
        <translation>identité</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="78"/>
        <source>recipient</source>
        <translation>destinataire</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="78"/>
        <source>item</source>
        <translation>élément</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="79"/>
        <source>container</source>
        <translation>conteneur</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="79"/>
        <source>establishment</source>
        <translation>établissement</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="80"/>
        <source>beacon</source>
        <translation>balise</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="80"/>
        <source>beacons</source>
        <translation>balises</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="80"/>
        <source>kind</source>
        <translation>nature</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="81"/>
        <source>rows</source>
        <translation>lignes</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="81"/>
        <source>p-value</source>
        <translation>Valeur p</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="81"/>
        <source>log10 of p</source>
        <translation>log10 de p</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="82"/>
        <source>fraction of marks found</source>
        <translation>part des marques retrouvées</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="82"/>
        <source>votes</source>
        <translation>votes</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="83"/>
        <source>column</source>
        <translation>colonne</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="83"/>
        <source>value</source>
        <translation>valeur</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="83"/>
        <source>detail</source>
        <translation>détail</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="84"/>
        <source>basis</source>
        <translation>fondement</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="84"/>
        <source>confidence</source>
        <translation>confiance</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="85"/>
        <source>status</source>
        <translation>statut</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="85"/>
        <source>fields matched</source>
        <translation>champs concordants</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="87"/>
        <source>row %1</source>
        <translation>ligne %1</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="87"/>
        <source>message %1</source>
        <translation>message %1</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="88"/>
        <source>entry %1</source>
        <translation>entrée %1</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="88"/>
        <source>table %1</source>
        <translation>table %1</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="89"/>
        <source>sheet %1</source>
        <translation>feuille %1</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="89"/>
        <source>frame %1</source>
        <translation>image %1</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="90"/>
        <source>page %1</source>
        <translation>page %1</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="90"/>
        <source>line %1</source>
        <translation>ligne %1</translation>
    </message>
    <message>
        <location filename="../../gui/labels.py" line="119"/>
        <source>whole file</source>
        <translation>fichier entier</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <location filename="../../gui/window.py" line="539"/>
        <source> (replaces the case&apos;s registry at the next scan)</source>
        <translation> (remplacera le registre du dossier à la prochaine analyse)</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="544"/>
        <source> + %Ln file(s) of your own</source>
        <translation>
            <numerusform> + %Ln fichier personnel</numerusform>
            <numerusform> + %Ln fichiers personnels</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="700"/>
        <source>Replace the case&apos;s registry with the one you loaded? Every item is scanned again and attributed anew.</source>
        <translation>Remplacer le registre du dossier par celui que vous avez chargé ? Chaque élément sera analysé de nouveau et attribué à nouveau.</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="536"/>
        <source>%1, version %2, key %3 (kept in the case)</source>
        <translation>%1, version %2, clé %3 (conservé dans le dossier)</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="262"/>
        <source>Balise Workbench</source>
        <translation>Balise Workbench</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="286"/>
        <source>Case</source>
        <translation>Dossier</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="287"/>
        <source>Evidence</source>
        <translation>Scellés</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="288"/>
        <source>Findings</source>
        <translation>Détections</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="289"/>
        <source>Records</source>
        <translation>Enregistrements</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="290"/>
        <source>Beacons</source>
        <translation>Balises</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="291"/>
        <source>Identifiers</source>
        <translation>Identifiants</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="292"/>
        <source>Item errors</source>
        <translation>Erreurs d&apos;éléments</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="293"/>
        <source>Attribution</source>
        <translation>Attribution</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="294"/>
        <source>Report</source>
        <translation>Rapport</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="298"/>
        <source>Details</source>
        <translation>Détails</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="332"/>
        <source>&amp;File</source>
        <translation>&amp;Fichier</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="333"/>
        <source>&amp;New case…</source>
        <translation>&amp;Nouveau dossier…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="334"/>
        <source>&amp;Open case…</source>
        <translation>&amp;Ouvrir un dossier…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="335"/>
        <source>Open the &amp;demo</source>
        <translation>Ouvrir la &amp;démonstration</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="337"/>
        <source>&amp;Recent cases</source>
        <translation>Dossiers &amp;récents</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="340"/>
        <source>&amp;Quit</source>
        <translation>&amp;Quitter</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="341"/>
        <source>&amp;Inputs</source>
        <translation>&amp;Entrées</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="342"/>
        <source>Add evidence &amp;files…</source>
        <translation>Ajouter des &amp;fichiers à analyser…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="343"/>
        <source>Add an evidence f&amp;older…</source>
        <translation>Ajouter un d&amp;ossier à analyser…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="344"/>
        <source>Load a &amp;registry…</source>
        <translation>Charger un &amp;registre…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="345"/>
        <source>YARA r&amp;ules…</source>
        <translation>Règles YAR&amp;A…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="347"/>
        <location filename="../../gui/window.py" line="348"/>
        <source>&amp;Scan</source>
        <translation>&amp;Analyse</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="349"/>
        <source>&amp;Resume the interrupted scan</source>
        <translation>&amp;Reprendre l&apos;analyse interrompue</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="350"/>
        <source>&amp;Cancel</source>
        <translation>A&amp;nnuler</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="352"/>
        <source>&amp;View</source>
        <translation>A&amp;ffichage</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="353"/>
        <source>&amp;Refresh</source>
        <translation>A&amp;ctualiser</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="354"/>
        <source>Show identifiers in &amp;clear</source>
        <translation>Afficher les identifiants en &amp;clair</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="358"/>
        <source>&amp;Language</source>
        <translation>&amp;Langue</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="369"/>
        <source>&amp;Report</source>
        <translation>Ra&amp;pport</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="370"/>
        <source>&amp;Export…</source>
        <translation>&amp;Exporter…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="371"/>
        <source>Open the PDF in the system viewer</source>
        <translation>Ouvrir le PDF dans la visionneuse du système</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="411"/>
        <source>Nothing was lost: the case folder keeps everything done so far.</source>
        <translation>Rien n&apos;est perdu : le dossier conserve tout le travail déjà fait.</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="427"/>
        <source>New case</source>
        <translation>Nouveau dossier</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="427"/>
        <source>The case could not be created: %1</source>
        <translation>Le dossier n&apos;a pas pu être créé : %1</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="432"/>
        <source>Open a case folder</source>
        <translation>Ouvrir un dossier d&apos;enquête</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="438"/>
        <location filename="../../gui/window.py" line="443"/>
        <source>Open a case</source>
        <translation>Ouvrir un dossier</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="438"/>
        <source>Wait for the running job to finish, or cancel it.</source>
        <translation>Attendez la fin de la tâche en cours, ou annulez-la.</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="443"/>
        <source>%1 is not a case folder: %2</source>
        <translation>%1 n&apos;est pas un dossier d&apos;enquête : %2</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="527"/>
        <source>Case number</source>
        <translation>Numéro de dossier</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="527"/>
        <source>Title</source>
        <translation>Intitulé</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="528"/>
        <source>Analyst</source>
        <translation>Analyste</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="528"/>
        <source>Organisation</source>
        <translation>Organisme</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="529"/>
        <source>Created</source>
        <translation>Créé le</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="529"/>
        <source>Folder</source>
        <translation>Dossier</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="542"/>
        <source>none: no beacon detection and no attribution by canary or watermark</source>
        <translation>aucun : pas de détection de balises ni d&apos;attribution par patient témoin ou tatouage</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="544"/>
        <source>bundled rules</source>
        <translation>règles fournies</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="730"/>
        <location filename="../../gui/window.py" line="1195"/>
        <source>%Ln item(s)</source>
        <translation>
            <numerusform>%Ln élément</numerusform>
            <numerusform>%Ln éléments</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="732"/>
        <location filename="../../gui/window.py" line="1195"/>
        <source>%Ln record(s)</source>
        <translation>
            <numerusform>%Ln enregistrement</numerusform>
            <numerusform>%Ln enregistrements</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="733"/>
        <source>%Ln item(s) in error</source>
        <translation>
            <numerusform>%Ln élément en erreur</numerusform>
            <numerusform>%Ln éléments en erreur</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="734"/>
        <source>Scan complete: %1, %2, %3, in %4 s.</source>
        <translation>Analyse terminée : %1, %2, %3, en %4 s.</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="737"/>
        <source>Scan cancelled: %1 so far. Resume it to finish (done work is kept).</source>
        <translation>Analyse annulée : %1 à ce stade. Reprenez-la pour la terminer (le travail fait est conservé).</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="739"/>
        <source>Scan incomplete: %1. Resume it to finish.</source>
        <translation>Analyse incomplète : %1. Reprenez-la pour la terminer.</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="1196"/>
        <source>%Ln finding(s)</source>
        <translation>
            <numerusform>%Ln détection</numerusform>
            <numerusform>%Ln détections</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="1196"/>
        <source>%Ln error(s)</source>
        <translation>
            <numerusform>%Ln erreur</numerusform>
            <numerusform>%Ln erreurs</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1197"/>
        <source>Case %1 — %2</source>
        <translation>Dossier %1 — %2</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="1203"/>
        <source>%Ln evidence item(s), verified unchanged</source>
        <translation>
            <numerusform>%Ln scellé, vérifié inchangé</numerusform>
            <numerusform>%Ln scellés, vérifiés inchangés</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="1205"/>
        <source>%Ln evidence item(s)</source>
        <translation>
            <numerusform>%Ln scellé</numerusform>
            <numerusform>%Ln scellés</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="562"/>
        <source>Add evidence files</source>
        <translation>Ajouter des fichiers à analyser</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="566"/>
        <source>Add an evidence folder</source>
        <translation>Ajouter un dossier à analyser</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="577"/>
        <source>Add evidence</source>
        <translation>Ajouter des scellés</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="578"/>
        <source>%1 holds the case folder or is inside it: choose another.</source>
        <translation>%1 contient le dossier d&apos;enquête ou s&apos;y trouve : choisissez-en un autre.</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="635"/>
        <location filename="../../gui/window.py" line="694"/>
        <location filename="../../gui/window.py" line="700"/>
        <location filename="../../gui/window.py" line="704"/>
        <source>Scan</source>
        <translation>Analyser</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="635"/>
        <source>Demo</source>
        <translation>Démonstration</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="635"/>
        <source>Export</source>
        <translation>Exporter</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="636"/>
        <source>Error</source>
        <translation>Erreur</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="650"/>
        <source>The demo was cancelled: nothing was opened.</source>
        <translation>La démo a été annulée : rien n&apos;a été ouvert.</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="662"/>
        <source>Cancelling… the case keeps what was scanned.</source>
        <translation>Annulation… le dossier conserve ce qui a été analysé.</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="684"/>
        <source>YARA rules</source>
        <translation>Règles YARA</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="684"/>
        <source>Compile error in %1: %2</source>
        <translation>Erreur de compilation dans %1 : %2</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="694"/>
        <source>Add the dump to scan first (files or folders).</source>
        <translation>Ajoutez d&apos;abord la fuite à analyser (fichiers ou dossiers).</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="704"/>
        <source>No registry is loaded: beacons will not be detected and records attributed only by identifiers. Scan anyway?</source>
        <translation>Aucun registre n&apos;est chargé : les balises ne seront pas détectées et les enregistrements seront attribués uniquement par identifiants. Analyser quand même ?</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="720"/>
        <source>Resuming the scan…</source>
        <translation>Reprise de l&apos;analyse…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="720"/>
        <source>Scanning…</source>
        <translation>Analyse en cours…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="753"/>
        <source>Open the demo</source>
        <translation>Ouvrir la démonstration</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="754"/>
        <source>The demo in %1 will be built again. Continue?</source>
        <translation>La démonstration dans %1 sera reconstruite. Continuer ?</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="769"/>
        <source>Building the demo in %1…</source>
        <translation>Construction de la démonstration dans %1…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="920"/>
        <source>Open the item</source>
        <translation>Ouvrir l&apos;élément</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="921"/>
        <source>Copy the item&apos;s path</source>
        <translation>Copier le chemin de l&apos;élément</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="923"/>
        <source>Copy the item&apos;s SHA-256</source>
        <translation>Copier le SHA-256 de l&apos;élément</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="925"/>
        <source>Export the item…</source>
        <translation>Exporter l&apos;élément…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="947"/>
        <location filename="../../gui/window.py" line="958"/>
        <source>Export the item</source>
        <translation>Exporter l&apos;élément</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="960"/>
        <source>Item exported: %1</source>
        <translation>Élément exporté : %1</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1038"/>
        <location filename="../../gui/window.py" line="1046"/>
        <source>Show identifiers in clear</source>
        <translation>Afficher les identifiants en clair</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1038"/>
        <source>Open a case first: the unmasking is written into its custody log.</source>
        <translation>Ouvrez d&apos;abord un dossier : le démasquage est inscrit dans son journal de traçabilité.</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1090"/>
        <source>Writing the report…</source>
        <translation>Rédaction du rapport…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1096"/>
        <source>Report written: %1</source>
        <translation>Rapport écrit : %1</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1106"/>
        <source>Language</source>
        <translation>Langue</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1106"/>
        <source>The language can be changed once the running job is done.</source>
        <translation>La langue pourra être changée une fois la tâche en cours terminée.</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1186"/>
        <source>This case has an interrupted scan: Resume finishes it.</source>
        <translation>Ce dossier a une analyse interrompue : « Reprendre » la termine.</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1190"/>
        <source>No case open</source>
        <translation>Aucun dossier ouvert</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1199"/>
        <source>job running</source>
        <translation>tâche en cours</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1201"/>
        <source>scan interrupted</source>
        <translation>analyse interrompue</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1207"/>
        <source>no evidence yet</source>
        <translation>pas encore de scellés</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1209"/>
        <source>identifiers masked</source>
        <translation>identifiants masqués</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1209"/>
        <source>IDENTIFIERS IN CLEAR</source>
        <translation>IDENTIFIANTS EN CLAIR</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1230"/>
        <source>Quit</source>
        <translation>Quitter</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="1230"/>
        <source>A job is running. Cancel it and quit? A scan can be resumed later.</source>
        <translation>Une tâche est en cours. L&apos;annuler et quitter ? Une analyse peut être reprise plus tard.</translation>
    </message>
</context>
<context>
    <name>NewCaseDialog</name>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="25"/>
        <source>New case</source>
        <translation>Nouveau dossier</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="27"/>
        <source>e.g. CSIRT-2026-014</source>
        <translation>p. ex. CSIRT-2026-014</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="32"/>
        <source>Browse…</source>
        <translation>Parcourir…</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="44"/>
        <source>Case number</source>
        <translation>Numéro de dossier</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="45"/>
        <source>Title</source>
        <translation>Intitulé</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="46"/>
        <source>Analyst</source>
        <translation>Analyste</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="47"/>
        <source>Organisation</source>
        <translation>Organisme</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="48"/>
        <location filename="../../gui/dialogs/new_case.py" line="58"/>
        <source>Case folder</source>
        <translation>Dossier de l&apos;enquête</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="51"/>
        <source>Create</source>
        <translation>Créer</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="71"/>
        <source>The case number is required.</source>
        <translation>Le numéro de dossier est obligatoire.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="73"/>
        <source>The analyst&apos;s name is required.</source>
        <translation>Le nom de l&apos;analyste est obligatoire.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="76"/>
        <source>Choose the folder that will hold the case.</source>
        <translation>Choisissez le dossier qui contiendra l&apos;enquête.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="79"/>
        <source>This folder already holds a case: open it instead.</source>
        <translation>Ce dossier contient déjà une enquête : ouvrez-la plutôt.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/new_case.py" line="81"/>
        <source>The case folder must be new or empty.</source>
        <translation>Le dossier de l&apos;enquête doit être nouveau ou vide.</translation>
    </message>
</context>
<context>
    <name>RegistryDialog</name>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="29"/>
        <location filename="../../gui/dialogs/registry.py" line="75"/>
        <source>Beacon registry</source>
        <translation>Registre des balises</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="33"/>
        <source>Choose a registry file…</source>
        <translation>Choisir un fichier de registre…</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="46"/>
        <source>Authority</source>
        <translation>Autorité</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="47"/>
        <source>Version</source>
        <translation>Version</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="48"/>
        <source>Signing key</source>
        <translation>Clé de signature</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="49"/>
        <source>Beacons</source>
        <translation>Balises</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="51"/>
        <source>FINESS</source>
        <translation>FINESS</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="51"/>
        <source>Establishment</source>
        <translation>Établissement</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="51"/>
        <source>Group</source>
        <translation>Groupe</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="52"/>
        <source>City</source>
        <translation>Ville</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="57"/>
        <source>Use this registry</source>
        <translation>Utiliser ce registre</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="76"/>
        <source>Registries (*.json);;All files (*)</source>
        <translation>Registres (*.json);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="90"/>
        <source>Signature refused: %1</source>
        <translation>Signature refusée : %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="93"/>
        <source>Not a usable registry: %1</source>
        <translation>Registre inutilisable : %1</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/registry.py" line="97"/>
        <source>Signature valid (Ed25519).</source>
        <translation>Signature valide (Ed25519).</translation>
    </message>
</context>
<context>
    <name>ReportView</name>
    <message>
        <location filename="../../gui/widgets/report_view.py" line="22"/>
        <source>No report exported yet: use Report ▸ Export.</source>
        <translation>Aucun rapport exporté : utilisez Rapport ▸ Exporter.</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/report_view.py" line="24"/>
        <source>Export…</source>
        <translation>Exporter…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/report_view.py" line="25"/>
        <source>Open in the system viewer</source>
        <translation>Ouvrir dans la visionneuse du système</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/report_view.py" line="41"/>
        <source>The PDF could not be previewed (%1): %2</source>
        <translation>Le PDF n&apos;a pas pu être affiché (%1) : %2</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/report_view.py" line="45"/>
        <source>%1 — %2</source>
        <translation>%1 — %2</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/widgets/report_view.py" line="46"/>
        <source>%Ln page(s)</source>
        <translation>
            <numerusform>%Ln page</numerusform>
            <numerusform>%Ln pages</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>RulesDialog</name>
    <message>
        <location filename="../../gui/dialogs/rules.py" line="80"/>
        <source>External variables, e.g. site=CHU35 score=60</source>
        <translation>Variables externes, par ex. site=CHU35 score=60</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/rules.py" line="51"/>
        <source>YARA rules</source>
        <translation>Règles YARA</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/rules.py" line="58"/>
        <source>%1 (bundled, always on)</source>
        <translation>%1 (fournie, toujours active)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/rules.py" line="66"/>
        <source>Add rule files…</source>
        <translation>Ajouter des fichiers de règles…</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/rules.py" line="68"/>
        <source>Add a folder of rules…</source>
        <translation>Ajouter un dossier de règles…</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/rules.py" line="70"/>
        <source>Remove</source>
        <translation>Retirer</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/rules.py" line="72"/>
        <source>Check (compile)</source>
        <translation>Vérifier (compiler)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/rules.py" line="110"/>
        <source>YARA rule files</source>
        <translation>Fichiers de règles YARA</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/rules.py" line="111"/>
        <source>YARA rules (*.yar *.yara);;All files (*)</source>
        <translation>Règles YARA (*.yar *.yara);;Tous les fichiers (*)</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/rules.py" line="115"/>
        <source>Folder of YARA rules</source>
        <translation>Dossier de règles YARA</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/rules.py" line="151"/>
        <source>Compile error in %1: %2</source>
        <translation>Erreur de compilation dans %1 : %2</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/dialogs/rules.py" line="159"/>
        <source>%Ln rule file(s) compiled without error.</source>
        <translation>
            <numerusform>%Ln fichier de règles compilé sans erreur.</numerusform>
            <numerusform>%Ln fichiers de règles compilés sans erreur.</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/rules.py" line="161"/>
        <source>Warnings:</source>
        <translation>Avertissements :</translation>
    </message>
</context>
<context>
    <name>ScanProgress</name>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="26"/>
        <source>Phase</source>
        <translation>Phase</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="27"/>
        <source>Bytes</source>
        <translation>Octets</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="28"/>
        <source>Items</source>
        <translation>Éléments</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="29"/>
        <source>Rate</source>
        <translation>Débit</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="30"/>
        <source>Time left</source>
        <translation>Temps restant</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="31"/>
        <source>Current item</source>
        <translation>Élément en cours</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="41"/>
        <source>evidence intake</source>
        <translation>prise en charge des scellés</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="41"/>
        <source>scanning</source>
        <translation>analyse</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="42"/>
        <source>attribution</source>
        <translation>attribution</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="42"/>
        <source>re-verifying the evidence</source>
        <translation>revérification des scellés</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="43"/>
        <source>indexing and sealing the results</source>
        <translation>indexation et scellement des résultats</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="44"/>
        <source>counting the records and the people</source>
        <translation>décompte des enregistrements et des personnes</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="45"/>
        <source>building the demo leak</source>
        <translation>construction de la fuite de démonstration</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="45"/>
        <source>done</source>
        <translation>terminé</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="46"/>
        <source>cancelled: the case keeps what was scanned</source>
        <translation>annulé : le dossier garde ce qui a été analysé</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="47"/>
        <source>incomplete: resume to finish</source>
        <translation>incomplet : reprenez pour terminer</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/scanpanel.py" line="69"/>
        <source>%1, tasks done: %2 of %3</source>
        <translation>%1, tâches faites : %2 sur %3</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/widgets/scanpanel.py" line="69"/>
        <source>%Ln item(s)</source>
        <translation>
            <numerusform>%Ln élément</numerusform>
            <numerusform>%Ln éléments</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TablePage</name>
    <message>
        <location filename="../../gui/window.py" line="87"/>
        <source>Filter (press Enter)…</source>
        <translation>Filtrer (touche Entrée)…</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="88"/>
        <source>Words are searched in the text columns; column:value keeps the rows whose column equals the value (e.g. establishment:350990016).</source>
        <translation>Les mots sont cherchés dans les colonnes de texte ; colonne:valeur garde les lignes dont la colonne vaut cette valeur (par ex. establishment:350990016).</translation>
    </message>
    <message>
        <location filename="../../gui/window.py" line="162"/>
        <source>This column cannot be sorted on a table this large</source>
        <translation>Cette colonne ne peut pas être triée sur une table aussi grande</translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="178"/>
        <source>%Ln row(s)</source>
        <translation>
            <numerusform>%Ln ligne</numerusform>
            <numerusform>%Ln lignes</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>UnmaskDialog</name>
    <message>
        <location filename="../../gui/dialogs/unmask.py" line="11"/>
        <source>Show identifiers in clear</source>
        <translation>Afficher les identifiants en clair</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/unmask.py" line="12"/>
        <source>Names, NIR, birth dates and the other identifiers will be shown in clear in every view. Who asks and why is written into the case&apos;s custody log, which the report shows.</source>
        <translation>Les noms, NIR, dates de naissance et autres identifiants seront affichés en clair dans toutes les vues. Qui le demande et pourquoi est inscrit dans le journal de traçabilité du dossier, que le rapport reproduit.</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/unmask.py" line="18"/>
        <source>e.g. checking a canary match requested by the DPO of the CHU</source>
        <translation>par ex. vérification d&apos;un patient témoin retrouvé, demandée par le DPO du CHU</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/unmask.py" line="25"/>
        <source>Analyst</source>
        <translation>Analyste</translation>
    </message>
    <message>
        <location filename="../../gui/dialogs/unmask.py" line="26"/>
        <source>Reason</source>
        <translation>Motif</translation>
    </message>
</context>
<context>
    <name>WelcomePage</name>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="25"/>
        <source>Triage of leaked health-data dumps, offline.</source>
        <translation>Tri de fuites de données de santé, hors ligne.</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="28"/>
        <source>New case…</source>
        <translation>Nouveau dossier…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="29"/>
        <source>Open a case…</source>
        <translation>Ouvrir un dossier…</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="30"/>
        <source>Open the demo</source>
        <translation>Ouvrir la démonstration</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="31"/>
        <source>Builds a demo registry and leak, scans it and opens the case</source>
        <translation>Construit un registre et une fuite de démonstration, l&apos;analyse et ouvre le dossier</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="32"/>
        <source>1. Create a case.  2. Add the dump (files or folders, or drop them).  3. Load the establishments&apos; signed registry.  4. Scan.  5. Read the attribution and export the report.</source>
        <translation>1. Créez un dossier.  2. Ajoutez la fuite (fichiers ou dossiers, ou déposez-les).  3. Chargez le registre signé des établissements.  4. Analysez.  5. Lisez l&apos;attribution et exportez le rapport.</translation>
    </message>
    <message>
        <location filename="../../gui/widgets/casepage.py" line="45"/>
        <source>Recent cases</source>
        <translation>Dossiers récents</translation>
    </message>
</context>
</TS>
