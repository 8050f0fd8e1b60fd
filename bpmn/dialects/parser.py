"""SpiffWorkflow's parser, taught the dialects: every element gets its neutral description.

The task parsers below subclass SpiffWorkflow's; each asks the dialect modules for the element's
description (stored as ``task_spec.extensions["baton"]``) and turns vendor constructs into specs
SpiffWorkflow runs. What Baton cannot run raises a ValidationException naming the element; what
it reads differently from the vendor engine is recorded as a warning finding.
"""
import re

from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.event_parsers import IntermediateThrowEventParser
from SpiffWorkflow.bpmn.parser.task_parsers import AdHocSubprocessParser, ConditionalGatewayParser, GatewayParser
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.defaults import (AdHocSubprocess, BoundaryEvent, EndEvent, EventBasedGateway,
                                               ExclusiveGateway, InclusiveGateway, IntermediateCatchEvent,
                                               IntermediateThrowEvent, ParallelGateway, StartEvent)
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask as SubWorkflowTaskMixin
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (CycleTimerEventDefinition,
                                                              DurationTimerEventDefinition,
                                                              TimeDateEventDefinition)
from SpiffWorkflow.bpmn.parser.event_parsers import EventBasedGatewayParser
from SpiffWorkflow.dmn.parser.DMNParser import DMNParser
from SpiffWorkflow.spiff.parser import event_parsers as spiff_events
from SpiffWorkflow.spiff.parser import task_spec as spiff_tasks
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser, SpiffProcessParser
from SpiffWorkflow.spiff.specs.event_definitions import ErrorEventDefinition as SpiffErrorEventDefinition
from SpiffWorkflow.spiff.specs.defaults import (BusinessRuleTask, CallActivity, ManualTask, NoneTask,
                                                ReceiveTask, ScriptTask, SendTask, SubWorkflowTask,
                                                TransactionSubprocess, UserTask)

from . import describe, multi_instance
from .findings import ERROR, Finding
from .specs import ExpressionScriptTask, ExternalTask
from .values import expression_language, local, text_of, variable_name

# Camunda, Flowable and Zeebe do not run BPMN data associations; SpiffWorkflow does. For their
# models the associations are drawings, so running them would fail on data nobody writes.
DIAGRAM_ONLY_DATA = {"camunda7", "zeebe", "flowable", "activiti"}
FLOW_NODES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
              "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
              "exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway",
              "intermediateCatchEvent", "intermediateThrowEvent", "endEvent"}
_SUPPORTED_LANGUAGES = {"python", "juel", "feel"}


class ModelError(ValidationException):
    """A ValidationException that knows its problem code and the element's line."""

    def __init__(self, message, node=None, file_name=None, code="invalid-model"):
        super().__init__(message, node=node, file_name=file_name)
        self.code = code
        if node is not None:
            self.line_number = node.sourceline


def unsupported(kind, element_id):
    what = {"compensateEventDefinition": "compensation event"}.get(kind, kind)
    return f"{what} '{element_id}' cannot run: Baton (SpiffWorkflow) does not support the element type {kind}"


def _type(node):
    return local(node) if node is not None else "element"


class BatonParser(SpiffBpmnParser):
    """SpiffBpmnParser with dialect-aware task parsers; collects findings for the whole upload."""

    def __init__(self):
        super().__init__()
        self.findings = []
        self.dialects = {}           # id(document root) -> dialect name
        self.languages = {}          # id(document root) -> expression language
        self._described = {}

    def set_dialect(self, root, dialect, language):
        self.dialects[id(root)] = dialect
        self.languages[id(root)] = language

    def dialect_of(self, node):
        return self.dialects.get(id(node.getroottree().getroot()))

    def describe(self, node):
        """The neutral description of an element, read once; its findings are kept."""
        key = (id(node.getroottree().getroot()), node.get("id"), node.sourceline)
        if key not in self._described:
            root = node.getroottree().getroot()
            description, findings = describe(node, self.dialects.get(id(root)), self.languages.get(id(root)))
            self._described[key] = description
            self.findings.extend(findings)
        return self._described[key]

    def note(self, severity, code, message, node):
        self.findings.append(Finding(severity, code, message, node.get("id"), node.sourceline))

    def _add_messages(self, bpmn):
        # Messages match by name; a message without one is known by its id.
        for message in bpmn.xpath(".//bpmn:message", namespaces=self.namespaces):
            if message.get("id") is None:
                raise ModelError("a message has no id", message, code="invalid-model")
            self.messages[message.get("id")] = message.get("name") or message.get("id")

    def _add_data_stores(self, bpmn):
        for store in bpmn.xpath(".//bpmn:dataStore", namespaces=self.namespaces):
            if store.get("id") is None:
                raise ModelError("a data store has no id", store)
            if store.get("name") in self.DATA_STORE_CLASSES:
                spec = self.DATA_STORE_CLASSES[store.get("name")](
                    store.get("id"), store.get("name"), store.get("capacity"), store.get("isUnlimited"))
                self.data_stores[store.get("id")] = spec
            elif self.dialect_of(store) == "spiff":
                self.note(ERROR, "data-store", f"data store '{store.get('name') or store.get('id')}' has no "
                          "implementation in Baton", store)
            else:
                self.note("warning", "data-store", f"data store '{store.get('name') or store.get('id')}' is "
                          "drawn only: Baton reads and writes nothing through it", store)

    def add_dmn_xml(self, node, filename=None):
        # SpiffWorkflow reads one decision per DMN file; a file may hold several (a DRD).
        namespaces = dict(self.namespaces)
        namespaces.update({k: v for k, v in node.nsmap.items() if k})
        namespaces["dmn"] = etree.QName(node).namespace
        for decision in node.iterchildren(f"{{{namespaces['dmn']}}}decision"):
            if decision.get("id") in self.dmn_parsers:
                raise ModelError(f"decision '{decision.get('id')}' is defined twice", decision, filename,
                                 code="duplicate-decision")
            dmn_parser = DecisionParser(self, node, namespaces, decision, filename=filename)
            self.dmn_parsers[decision.get("id")] = dmn_parser
            self.dmn_parsers_by_name[decision.get("name") or decision.get("id")] = dmn_parser

    def get_subprocess_specs(self, name, specs=None, require_call_activity_specs=True):
        # SpiffWorkflow forgets the flag when it recurses; a process called from a called process
        # may have been deployed earlier just as well.
        used = specs if specs is not None else {}
        spec = self.get_spec(name)
        for task_spec in spec.task_specs.values():
            called = getattr(task_spec, "spec", None)
            if isinstance(task_spec, SubWorkflowTaskMixin) and called not in used:
                used[called] = self.get_spec(called, required=require_call_activity_specs)
                if used[called] is not None:
                    self.get_subprocess_specs(called, used, require_call_activity_specs)
        return used


class DecisionParser(DMNParser):
    """SpiffWorkflow's DMN parser, for one decision of a file."""

    def __init__(self, p, node, nsmap, decision, filename=None):
        super().__init__(p, node, nsmap, filename=filename)
        self.decision_node = decision

    @property
    def bpmn_id(self):
        return self.decision_node.get("id")

    def get_name(self):
        return self.decision_node.get("name")

    def parse(self):
        if self.decision is None:
            self.decision = self._parse_decision([self.decision_node])

    def requires(self):
        return [r.get("href", "").lstrip("#") for r in self.decision_node.iter()
                if isinstance(r.tag, str) and local(r) == "requiredDecision"]


class BatonProcessParser(SpiffProcessParser):

    def __init__(self, p, node, nsmap, data_stores, filename=None, lane=None):
        super().__init__(p, node, nsmap, data_stores, filename=filename, lane=lane)
        if local(node) == "process":
            # Only a process marked executable runs; modelers leave the attribute out of drafts.
            self.process_executable = node.get("isExecutable") == "true"

    def _index_process_nodes(self):
        super()._index_process_nodes()
        self._link_events()

    def _link_events(self):
        """Give each link throw event a flow to the link catch event of the same name in its scope."""
        throws, catches = [], {}
        for node in self.node:
            definition = next((d for d in node if local(d) == "linkEventDefinition"), None) \
                if isinstance(node.tag, str) else None
            if definition is None:
                continue
            name = definition.get("name") or node.get("name")
            if local(node) == "intermediateThrowEvent":
                throws.append((node, name))
            elif local(node) == "intermediateCatchEvent":
                catches[name] = node
        for node, name in throws:
            target = catches.get(name)
            if target is None:
                raise ModelError(f"link event '{node.get('id')}' throws to link '{name}', which no link catch "
                                 "event in the same process catches", node, code="link-unmatched")
            flow = etree.Element(full_tag("sequenceFlow"), id=f"{node.get('id')}__link",
                                 sourceRef=node.get("id"), targetRef=target.get("id"))
            self.outgoing_sequence_flows.setdefault(node.get("id"), []).append(flow)

    def create_spec(self):
        if not self.process_executable:
            raise ModelError(f"process '{self.bpmn_id}' is not executable: mark it isExecutable=\"true\" to run "
                             "it", self.node, self.filename, code="not-executable")
        self.parser.describe(self.node)
        return super().create_spec()

    def parse_node(self, node):
        if node.get("id") in self.spec.task_specs:
            return self.spec.task_specs[node.get("id")]
        kind = local(node)
        if kind == "intermediateCatchEvent" and any(local(d) == "linkEventDefinition" for d in node):
            # A link catch event only continues the flow its throw event started.
            return LinkCatchEventParser(self, IntermediateThrowEvent, node, self.nsmap, lane=self.lane).parse_node()
        parser_class, spec_class = self.parser._get_parser_class(node.tag)
        if not parser_class:
            raise ModelError(unsupported(kind, node.get("id")), node, self.filename, code="unsupported-element")
        return super().parse_node(node)

    def add_tasks(self):
        if self.xpath("./bpmn:startEvent") or local(self.node) == "adHocSubProcess":
            return super().add_tasks()
        # BPMN lets a process or sub-process without a start event begin at every flow node that
        # has no incoming flow; SpiffWorkflow insists on start events.
        targets = {flow.get("targetRef") for flows in self.outgoing_sequence_flows.values() for flow in flows}
        starts = [n for n in self.node if isinstance(n.tag, str) and local(n) in FLOW_NODES
                  and n.get("id") not in targets and n.get("triggeredByEvent") != "true"
                  and n.get("isForCompensation") != "true"
                  and not (local(n) == "intermediateCatchEvent" and any(local(d) == "linkEventDefinition" for d in n))]
        if not starts and local(self.node) != "process" and not any(
                isinstance(n.tag, str) and local(n) in FLOW_NODES | {"startEvent"} for n in self.node):
            self.parser.note("warning", "empty-subprocess", f"sub-process '{self.bpmn_id}' is empty: it "
                             "completes as soon as it starts", self.node)
            return
        if not starts:
            raise ModelError(f"process '{self.bpmn_id}' has no start event and no element to start at",
                             self.node, self.filename, code="no-start")
        for node in starts:
            self.spec.start.connect(self.parse_node(node))
        for node in self.xpath("./bpmn:subProcess[@triggeredByEvent='true']"):
            task_spec = self.parse_node(node)
            sp_spec = self.parser.process_parsers[task_spec.spec].get_spec()
            self.spec.start.connect_or_add_trigger(task_spec, sp_spec)


class BatonAdHocParser(BatonProcessParser):
    """SpiffWorkflow's ad hoc sub-process parser on top of ours."""

    def _parse(self):
        super()._parse()
        self.spec.create_paths()

    def create_spec(self):
        from SpiffWorkflow.bpmn.parser.ProcessParser import AdHocParser
        return AdHocParser.create_spec(self)

    def add_tasks(self):
        from SpiffWorkflow.bpmn.parser.ProcessParser import AdHocParser
        return AdHocParser.add_tasks(self)


class Dialect:
    """Mixed into every task parser: the neutral description, data, loops, outgoing flows."""

    @property
    def description(self):
        return self.process_parser.parser.describe(self.node)

    @property
    def dialect(self):
        return self.process_parser.parser.dialect_of(self.node)

    def parse_extensions(self, node=None):
        if node is not None and node is not self.node:
            return super().parse_extensions(node)
        extensions = dict(super().parse_extensions() or {})
        extensions["baton"] = self.description
        return extensions

    def raise_validation_exception(self, message, node=None, code="invalid-model"):
        # SpiffWorkflow calls this with node= in places its signature does not allow.
        raise ModelError(message, node if node is not None else self.node, self.filename, code=code)

    def error(self, message, code, node=None):
        raise ModelError(message, node if node is not None else self.node, self.filename, code=code)

    def handles_multiple_outgoing(self):
        # Several plain flows leaving an activity all get a token (an implicit parallel split).
        return True

    def connect_outgoing(self, outgoing_task, sequence_flow_node, is_default):
        if self.parse_condition(sequence_flow_node) is not None:
            self.error(f"sequence flow '{sequence_flow_node.get('id')}' leaving {_type(self.node)} "
                       f"'{self.bpmn_id}' has a condition; put an exclusive or inclusive gateway there",
                       "conditional-flow", sequence_flow_node)
        super().connect_outgoing(outgoing_task, sequence_flow_node, is_default)

    def parse_incoming_data_references(self):
        return self._data_references("dataInputAssociation", "sourceRef")

    def parse_outgoing_data_references(self):
        return self._data_references("dataOutputAssociation", "targetRef")

    def _data_references(self, association, end):
        refs = [r for r in self.xpath(f"./bpmn:{association}/bpmn:{end}") if r.text]
        if not refs:
            return []
        if self.dialect in DIAGRAM_ONLY_DATA:
            self.process_parser.parser.note("warning", "data-association", f"data associations of "
                                            f"'{self.bpmn_id}' are drawn only (as in {self.dialect}): Baton "
                                            "does not copy data along them", self.node)
            return []
        specs = []
        for ref in refs:
            spec = self._resolve_data(ref.text.strip())
            if spec is not None:
                specs.append(spec)
            elif self.dialect == "spiff":
                self.error(f"{association} of '{self.bpmn_id}' refers to '{ref.text.strip()}', which is not a "
                           "data object or data store of this process", "data-association")
            else:
                self.process_parser.parser.note(
                    "warning", "data-association", f"{association} of '{self.bpmn_id}' refers to "
                    f"'{ref.text.strip()}', which is no data object or data store; it is ignored", self.node)
        return specs

    def _resolve_data(self, ref_id):
        reference = self.process_parser.get_data_object_reference(ref_id)
        if reference is None:
            found = self.doc_xpath(f".//bpmn:dataObjectReference[@id='{_quote(ref_id)}']")
            reference = found[0] if found else None
        if reference is not None:
            current = self.process_parser
            while current is not None:
                data_object = current.spec.data_objects.get(reference.get("dataObjectRef")) \
                    if current.spec is not None else None
                if data_object is not None:
                    return data_object
                current = current.parent
            return None
        store = self.process_parser.get_data_store_reference(ref_id)
        if store is None:
            found = self.doc_xpath(f".//bpmn:dataStoreReference[@id='{_quote(ref_id)}']")
            store = found[0] if found else None
        if store is not None:
            return self.process_parser.data_stores.get(store.get("dataStoreRef"))
        return None

    def _add_multiinstance_task(self, loop):
        prefix = "bpmn:multiInstanceLoopCharacteristics"
        if not self.xpath(f"./{prefix}/bpmn:loopCardinality") and not self.xpath(f"./{prefix}/bpmn:loopDataInputRef"):
            collection, element, output, output_element = multi_instance(loop)
            if collection is None:
                self.error(f"multi-instance {_type(self.node)} '{self.bpmn_id}' names neither a loopCardinality "
                           "nor a collection to iterate over", "multi-instance")
            name = variable_name(collection)
            if name is None:
                self.error(f"multi-instance {_type(self.node)} '{self.bpmn_id}' iterates over the expression "
                           f"'{collection}'; Baton iterates over a variable: compute it into one first",
                           "multi-instance")
            # SpiffWorkflow reads the standard elements; the dialect's attributes are written as them.
            _child(loop, "loopDataInputRef", text=name)
            if variable_name(element):
                _child(loop, "inputDataItem", id=variable_name(element), name=variable_name(element))
            if variable_name(output):
                _child(loop, "loopDataOutputRef", text=variable_name(output))
                if variable_name(output_element):
                    _child(loop, "outputDataItem", id=variable_name(output_element),
                           name=variable_name(output_element))
        super()._add_multiinstance_task(loop)


def _quote(text):
    # Ids go into XPath string literals; a quote in one could only be an attack or a typo.
    return text.replace("'", "").replace('"', "")


def _child(parent, tag, text=None, **attributes):
    element = etree.SubElement(parent, full_tag(tag), **attributes)
    if text is not None:
        element.text = text
    return element


class TaskParser(Dialect, spiff_tasks.SpiffTaskParser):
    pass


class UserTaskParser(Dialect, spiff_tasks.UserTaskParser):
    def create_task(self):
        task = super().create_task()
        _listener_scripts(self, task)
        return task


class SubWorkflowParser(Dialect, spiff_tasks.SubWorkflowParser):

    def create_task(self):
        extensions = spiff_tasks.SpiffTaskParser.parse_extensions(self)
        starts = self.xpath("./bpmn:startEvent")
        if len(starts) > 1:
            self.error(f"sub-process '{self.bpmn_id}' has {len(starts)} start events; a sub-process starts "
                       "at exactly one", "subprocess-start")
        # No end event is fine: the sub-process ends when its last element does.
        self.process_parser.parser.create_parser(self.node, filename=self.filename, lane=self.lane)
        self.process_parser.parser.process_parsers[self.bpmn_id].parent = self.process_parser
        spec_class = self.EVENT_SUBPROCESS_CLASS if self.attribute("triggeredByEvent") else self.spec_class
        return spec_class(self.spec, self.bpmn_id, subworkflow_spec=self.bpmn_id,
                          prescript=extensions.get("preScript"), postscript=extensions.get("postScript"),
                          **self.bpmn_attributes)


class AdHocParser(Dialect, AdHocSubprocessParser):
    pass


class CallActivityParser(Dialect, spiff_tasks.CallActivityParser):

    def create_task(self):
        called = self.node.get("calledElement") or self.description.get("called_element")
        if not called:
            self.error(f"call activity '{self.bpmn_id}' names no process to call (calledElement)", "no-called-element")
        if called.strip().startswith(("${", "#{", "=")):
            self.error(f"call activity '{self.bpmn_id}' chooses the process to call at run time ('{called}'); "
                       "Baton calls processes named in the model", "dynamic-call")
        extensions = spiff_tasks.SpiffTaskParser.parse_extensions(self)
        return self.spec_class(self.spec, self.bpmn_id, subworkflow_spec=called.strip(),
                               prescript=extensions.get("preScript"), postscript=extensions.get("postScript"),
                               **self.bpmn_attributes)


class ScriptTaskParser(Dialect, spiff_tasks.ScriptTaskParser):

    def create_task(self):
        description = self.description
        if description.get("implementation") == "external":
            return ExternalTask(self.spec, self.bpmn_id, **self.bpmn_attributes)
        script = description.get("script")
        if script:
            if not script.get("expression"):
                self.error(f"script task '{self.bpmn_id}' has no expression", "no-script")
            return ExpressionScriptTask(self.spec, self.bpmn_id, expression=script["expression"],
                                        result_variable=script.get("result_variable"), **self.bpmn_attributes)
        language = (self.node.get("scriptFormat") or "").strip()
        if language and language.lower() not in ("python", "python3", "text/x-python"):
            self.error(f"script task '{self.bpmn_id}' is written in {language}; Baton runs Python scripts "
                       '(scriptFormat="python")', "script-language")
        scripts = self.xpath("./bpmn:script")
        if not scripts or not text_of(scripts[0]):
            self.error(f"script task '{self.bpmn_id}' has no script", "no-script")
        extensions = spiff_tasks.SpiffTaskParser.parse_extensions(self)
        task = self.spec_class(self.spec, self.bpmn_id, script=scripts[0].text, prescript=extensions.get("preScript"),
                               postscript=extensions.get("postScript"), **self.bpmn_attributes)
        _listener_scripts(self, task)
        return task


class ServiceTaskParser(Dialect, spiff_tasks.SpiffTaskParser):
    """Service tasks become external tasks: a worker, a job worker or a connector does the work."""

    def create_task(self):
        description = self.description
        if not description.get("implementation"):
            description["implementation"] = "external"
            description["topic"] = self.bpmn_id
            self.process_parser.parser.note(
                "warning", "service-without-implementation", f"{_type(self.node)} '{self.bpmn_id}' says nothing "
                f"about who does its work; it waits for an external worker of topic '{self.bpmn_id}'", self.node)
        extensions = spiff_tasks.SpiffTaskParser.parse_extensions(self)
        task = ExternalTask(self.spec, self.bpmn_id, prescript=extensions.get("preScript"),
                            postscript=extensions.get("postScript"), **self.bpmn_attributes)
        _listener_scripts(self, task)
        return task


class BusinessRuleTaskParser(Dialect, spiff_tasks.BusinessRuleTaskParser):

    def create_task(self):
        description = self.description
        if description.get("implementation") in ("external", "connector", "java", "unsupported") or _names_java(self.node):
            return ExternalTask(self.spec, self.bpmn_id, **self.bpmn_attributes)
        decision = description.get("called_decision")
        if not decision:
            self.error(f"business rule task '{self.bpmn_id}' names no decision (camunda:decisionRef, "
                       "zeebe:calledDecision or spiffworkflow:calledDecisionId)", "no-decision")
        parser = self.process_parser.parser
        if decision not in parser.dmn_parsers:
            self.error(f"decision '{decision}' is not deployed: deploy its DMN file together with this model",
                       "missing-decision")
        dmn_parser = parser.dmn_parsers[decision]
        if dmn_parser.requires():
            self.error(f"decision '{decision}' requires the decisions {', '.join(dmn_parser.requires())}; Baton "
                       "evaluates single decision tables, not decision requirement graphs", "unsupported-decision")
        dmn_parser.parse()
        if not dmn_parser.decision.decisionTables:
            self.error(f"decision '{decision}' is not a decision table; Baton runs DMN decision tables",
                       "unsupported-decision")
        extensions = spiff_tasks.SpiffTaskParser.parse_extensions(self)
        return BusinessRuleTask(self.spec, self.bpmn_id, dmnEngine=parser.get_engine(decision, self.node),
                                prescript=extensions.get("preScript"), postscript=extensions.get("postScript"),
                                **self.bpmn_attributes)

    @staticmethod
    def get_decision_ref(node):
        description, _ = describe(node)
        return description.get("called_decision")


def _names_java(node):
    return any(name.endswith(("}class", "}delegateExpression")) for name in node.attrib)


def _listener_scripts(parser, task):
    """Python script listeners run as the pre-script (start/create) or post-script (end/complete)."""
    for listener in parser.description.get("listeners") or []:
        script = listener.get("script")
        if not script or listener.get("language") not in ("python", ""):
            continue
        if listener.get("event") in ("start", "create", "assignment"):
            task.prescript = "\n".join(s for s in (task.prescript, script) if s)
        elif listener.get("event") in ("end", "complete"):
            task.postscript = "\n".join(s for s in (task.postscript, script) if s)
        else:
            parser.process_parser.parser.note("warning", "listener-ignored", f"{listener['kind']} listener "
                                              f"'{listener.get('event')}' of '{parser.bpmn_id}' is not run",
                                              parser.node)


class Events(Dialect):
    """Timers as ISO 8601 literals, messages and signals by name, unsupported events refused."""

    def parse_timer_event(self, event):
        times = [c for c in event if local(c) in ("timeDate", "timeDuration", "timeCycle")]
        if not times or not text_of(times[0]):
            self.error(f"timer event '{self.bpmn_id}' says no time (timeDate, timeDuration or timeCycle)",
                       "timer")
        # The text stays as written: the engine's timers read ISO 8601 literals and cron strings,
        # the expression evaluator JUEL and FEEL.
        kind, text = local(times[0]), text_of(times[0])
        expression = text
        name = self.node.get("name", self.node.get("id"))
        definition = {"timeDate": TimeDateEventDefinition, "timeDuration": DurationTimerEventDefinition,
                      "timeCycle": CycleTimerEventDefinition}[kind]
        self.description.setdefault("timer", {"kind": kind, "expression": text,
                                              "language": expression_language(text)})
        return definition(name, expression, description=self.get_event_description(event))

    def _reference(self, element, attribute, kind):
        """The id an event definition refers to; a QName ref (tns:x) is read as its local id."""
        ref = element.get(attribute)
        if ref and ":" in ref and not self.doc_xpath(f'.//bpmn:{kind}[@id="{_quote(ref)}"]'):
            local_ref = ref.split(":", 1)[1]
            if self.doc_xpath(f'.//bpmn:{kind}[@id="{_quote(local_ref)}"]'):
                element.set(attribute, local_ref)
                return local_ref
        return ref

    def parse_message_event(self, message_event):
        ref = self._reference(message_event, "messageRef", "message")
        if ref is not None and ref not in self.process_parser.parser.messages:
            self.error(f"'{self.bpmn_id}' refers to message '{ref}', which the model does not define",
                       "missing-message", message_event)
        definition = super().parse_message_event(message_event)
        if not definition.name:
            definition.name = ref or self.node.get("name") or self.bpmn_id
        self.description["message"] = definition.name
        return definition

    def parse_signal_event(self, signal_event):
        ref = self._reference(signal_event, "signalRef", "signal")
        if ref is not None and not self.doc_xpath(f'.//bpmn:signal[@id="{_quote(ref)}"]'):
            self.error(f"'{self.bpmn_id}' refers to signal '{ref}', which the model does not define",
                       "missing-signal", signal_event)
        definition = super().parse_signal_event(signal_event)
        if not definition.name:
            definition.name = ref or self.node.get("name") or self.bpmn_id
        return definition

    def parse_error_event(self, error_event):
        ref = self._reference(error_event, "errorRef", "error")
        if ref and not self.doc_xpath(f'.//bpmn:error[@id="{_quote(ref)}"]'):
            # Activiti, Flowable and Camunda read an errorRef that names no error as the error code.
            self.process_parser.parser.note("warning", "error-code-ref", f"'{self.bpmn_id}' refers to error "
                                            f"'{ref}', which the model does not define: '{ref}' is taken as the "
                                            "error code", error_event)
            return SpiffErrorEventDefinition(ref, code=ref)
        return super().parse_error_event(error_event)

    def parse_escalation_event(self, escalation_event):
        ref = self._reference(escalation_event, "escalationRef", "escalation")
        if ref and not self.doc_xpath(f'.//bpmn:escalation[@id="{_quote(ref)}"]'):
            self.error(f"'{self.bpmn_id}' refers to escalation '{ref}', which the model does not define",
                       "missing-escalation", escalation_event)
        return super().parse_escalation_event(escalation_event)

    def create_task(self):
        for definition in self.node:
            if isinstance(definition.tag, str) and local(definition) == "compensateEventDefinition":
                self.error(unsupported("compensateEventDefinition", self.bpmn_id), "unsupported-element")
        return super().create_task()


class StartEventParser(Events, spiff_events.SpiffStartEventParser):
    pass


class EndEventParser(Events, spiff_events.SpiffEndEventParser):
    pass


class IntermediateCatchEventParser(Events, spiff_events.SpiffIntermediateCatchEventParser):
    pass


class IntermediateThrowEventParser(Events, spiff_events.SpiffIntermediateThrowEventParser):
    pass


class LinkCatchEventParser(IntermediateThrowEventParser):
    pass


class BoundaryEventParser(Events, spiff_events.SpiffBoundaryEventParser):

    def create_task(self):
        known = {"cancelEventDefinition", "errorEventDefinition", "escalationEventDefinition",
                 "messageEventDefinition", "signalEventDefinition", "timerEventDefinition",
                 "conditionalEventDefinition"}
        definitions = [local(d) for d in self.node if isinstance(d.tag, str) and local(d).endswith("EventDefinition")]
        if not any(d in known for d in definitions) and "compensateEventDefinition" not in definitions:
            self.error(f"boundary event '{self.bpmn_id}' has no event definition to catch", "unsupported-element")
        return super().create_task()


class SendTaskParser(Events, spiff_events.SpiffSendTaskParser):

    def create_task(self):
        if self.description.get("implementation") in ("external", "connector") or _names_java(self.node):
            return ExternalTask(self.spec, self.bpmn_id, **self.bpmn_attributes)
        return super().create_task()


class ReceiveTaskParser(Events, spiff_events.SpiffReceiveTaskParser):
    pass


class Gateway(Dialect):

    def connect_outgoing(self, outgoing_task, sequence_flow_node, is_default):
        GatewayParser.connect_outgoing(self, outgoing_task, sequence_flow_node, is_default)


class ParallelGatewayParser(Gateway, GatewayParser):
    pass


class EventGatewayParser(Gateway, EventBasedGatewayParser):
    pass


class ConditionalGateway(Dialect, ConditionalGatewayParser):
    """Exclusive and inclusive gateways; each condition's language is recorded for the evaluator."""

    def connect_outgoing(self, outgoing_task, sequence_flow_node, is_default):
        conditions = self.description.setdefault("conditions", [])
        flow_id = sequence_flow_node.get("id")
        if is_default:
            conditions.append({"flow": flow_id, "target": outgoing_task.bpmn_id, "default": True})
            self.task.connect(outgoing_task)
            return
        expression = self._condition_node(sequence_flow_node)
        text = text_of(expression)
        if not text:
            # Camunda, Flowable and Activiti take a flow without a condition as always true.
            self.process_parser.parser.note("warning", "flow-without-condition", f"sequence flow '{flow_id}' "
                                            f"leaving gateway '{self.bpmn_id}' has no condition: it is always "
                                            "taken", sequence_flow_node)
            text = "True"
        language = _condition_language(expression, text, self.description.get("expression_language"))
        if language not in _SUPPORTED_LANGUAGES:
            self.error(f"the condition of sequence flow '{flow_id}' is written in {language}; Baton evaluates "
                       "Python, JUEL (${...}) and FEEL (= ...) conditions", "expression-language", sequence_flow_node)
        conditions.append({"flow": flow_id, "target": outgoing_task.bpmn_id, "expression": text,
                           "language": language})
        self.task.connect_outgoing_if(text, outgoing_task)

    def _condition_node(self, flow):
        found = self._xpath(flow, "./bpmn:conditionExpression")
        return found[0] if found else None

    def parse_condition(self, sequence_flow):
        text = text_of(self._condition_node(sequence_flow))
        return text or None


def _condition_language(expression, text, default):
    declared = (expression.get("language") or "").strip().lower() if expression is not None else ""
    by_form = expression_language(text)
    if by_form in ("juel", "feel"):
        return by_form
    if declared and declared not in ("http://www.w3.org/1999/xpath", "python", "text/x-python"):
        if "juel" in declared or "uel" in declared:
            return "juel"
        if "feel" in declared:
            return "feel"
        return declared
    if default == "juel" and re.search(r"[$#]\{", text):
        return "juel"
    return "python"


BatonParser.PROCESS_PARSER_CLASS = BatonProcessParser
BatonParser.AD_HOC_PARSER_CLASS = BatonAdHocParser
BatonParser.OVERRIDE_PARSER_CLASSES = {
    full_tag("task"): (TaskParser, NoneTask),
    full_tag("userTask"): (UserTaskParser, UserTask),
    full_tag("manualTask"): (TaskParser, ManualTask),
    full_tag("scriptTask"): (ScriptTaskParser, ScriptTask),
    full_tag("subProcess"): (SubWorkflowParser, SubWorkflowTask),
    full_tag("transaction"): (SubWorkflowParser, TransactionSubprocess),
    full_tag("adHocSubProcess"): (AdHocParser, AdHocSubprocess),
    full_tag("callActivity"): (CallActivityParser, CallActivity),
    full_tag("serviceTask"): (ServiceTaskParser, ExternalTask),
    full_tag("sendTask"): (SendTaskParser, SendTask),
    full_tag("receiveTask"): (ReceiveTaskParser, ReceiveTask),
    full_tag("businessRuleTask"): (BusinessRuleTaskParser, BusinessRuleTask),
    full_tag("startEvent"): (StartEventParser, StartEvent),
    full_tag("endEvent"): (EndEventParser, EndEvent),
    full_tag("boundaryEvent"): (BoundaryEventParser, BoundaryEvent),
    full_tag("intermediateCatchEvent"): (IntermediateCatchEventParser, IntermediateCatchEvent),
    full_tag("intermediateThrowEvent"): (IntermediateThrowEventParser, IntermediateThrowEvent),
    full_tag("exclusiveGateway"): (ConditionalGateway, ExclusiveGateway),
    full_tag("inclusiveGateway"): (ConditionalGateway, InclusiveGateway),
    full_tag("parallelGateway"): (ParallelGatewayParser, ParallelGateway),
    full_tag("eventBasedGateway"): (EventGatewayParser, EventBasedGateway),
}
