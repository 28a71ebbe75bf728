<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>AttributionDashboard</name>
    <message numerus="yes">
        <location filename="../../gui/widgets/dashboard.py" line="162"/>
        <source>%Ln record(s)</source>
        <translation>
            <numerusform>%Ln record</numerusform>
            <numerusform>%Ln records</numerusform>
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
            <numerusform>%Ln record attributed</numerusform>
            <numerusform>%Ln records attributed</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/widgets/dashboard.py" line="164"/>
        <source>%Ln establishment(s)</source>
        <translation>
            <numerusform>%Ln establishment</numerusform>
            <numerusform>%Ln establishments</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/widgets/dashboard.py" line="165"/>
        <source>%Ln unattributed</source>
        <translation>
            <numerusform>%Ln unattributed</numerusform>
            <numerusform>%Ln unattributed</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ItemViewer</name>
    <message numerus="yes">
        <location filename="../../gui/widgets/viewer.py" line="329"/>
        <source>%Ln identifier(s)</source>
        <translation>
            <numerusform>%Ln identifier</numerusform>
            <numerusform>%Ln identifiers</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/widgets/viewer.py" line="330"/>
        <source>%Ln rule hit(s)</source>
        <translation>
            <numerusform>%Ln rule hit</numerusform>
            <numerusform>%Ln rule hits</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="544"/>
        <source> + %Ln file(s) of your own</source>
        <translation>
            <numerusform> + %Ln file of your own</numerusform>
            <numerusform> + %Ln files of your own</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="730"/>
        <location filename="../../gui/window.py" line="1195"/>
        <source>%Ln item(s)</source>
        <translation>
            <numerusform>%Ln item</numerusform>
            <numerusform>%Ln items</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="732"/>
        <location filename="../../gui/window.py" line="1195"/>
        <source>%Ln record(s)</source>
        <translation>
            <numerusform>%Ln record</numerusform>
            <numerusform>%Ln records</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="733"/>
        <source>%Ln item(s) in error</source>
        <translation>
            <numerusform>%Ln item in error</numerusform>
            <numerusform>%Ln items in error</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="1196"/>
        <source>%Ln finding(s)</source>
        <translation>
            <numerusform>%Ln finding</numerusform>
            <numerusform>%Ln findings</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="1196"/>
        <source>%Ln error(s)</source>
        <translation>
            <numerusform>%Ln error</numerusform>
            <numerusform>%Ln errors</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="1203"/>
        <source>%Ln evidence item(s), verified unchanged</source>
        <translation>
            <numerusform>%Ln evidence item, verified unchanged</numerusform>
            <numerusform>%Ln evidence items, verified unchanged</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="1205"/>
        <source>%Ln evidence item(s)</source>
        <translation>
            <numerusform>%Ln evidence item</numerusform>
            <numerusform>%Ln evidence items</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ReportView</name>
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
    <message numerus="yes">
        <location filename="../../gui/dialogs/rules.py" line="159"/>
        <source>%Ln rule file(s) compiled without error.</source>
        <translation>
            <numerusform>%Ln rule file compiled without error.</numerusform>
            <numerusform>%Ln rule files compiled without error.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ScanProgress</name>
    <message numerus="yes">
        <location filename="../../gui/widgets/scanpanel.py" line="69"/>
        <source>%Ln item(s)</source>
        <translation>
            <numerusform>%Ln item</numerusform>
            <numerusform>%Ln items</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TablePage</name>
    <message numerus="yes">
        <location filename="../../gui/window.py" line="178"/>
        <source>%Ln row(s)</source>
        <translation>
            <numerusform>%Ln row</numerusform>
            <numerusform>%Ln rows</numerusform>
        </translation>
    </message>
</context>
</TS>
