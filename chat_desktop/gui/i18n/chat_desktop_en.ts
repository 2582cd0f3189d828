<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en" sourcelanguage="en">
<context>
    <name>ForwardDialog</name>
    <message numerus="yes">
        <source>Forward %n message(s) to:</source>
        <translation>
            <numerusform>Forward %n message to:</numerusform>
            <numerusform>Forward %n messages to:</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>NewMessagesButton</name>
    <message numerus="yes">
        <source>%n new message(s)</source>
        <extracomment>Its distance from the bottom edge of the list (px).</extracomment>
        <translation>
            <numerusform>%n new message</numerusform>
            <numerusform>%n new messages</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Scroll down to %n new message(s)</source>
        <translation>
            <numerusform>Scroll down to %n new message</numerusform>
            <numerusform>Scroll down to %n new messages</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SearchPanel</name>
    <message numerus="yes">
        <source>%n message(s) found</source>
        <translation>
            <numerusform>%n message found</numerusform>
            <numerusform>%n messages found</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SelectionBar</name>
    <message numerus="yes">
        <source>%n selected</source>
        <translation>
            <numerusform>%n selected</numerusform>
            <numerusform>%n selected</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TrayIcon</name>
    <message numerus="yes">
        <source>%1 — %n unread</source>
        <translation>
            <numerusform>%1 — %n unread</numerusform>
            <numerusform>%1 — %n unread</numerusform>
        </translation>
    </message>
</context>
</TS>
