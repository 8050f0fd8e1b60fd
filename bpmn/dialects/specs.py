"""Task specs Baton adds to SpiffWorkflow's, and the serializer converters that store them."""
from SpiffWorkflow.bpmn.specs.mixins.script_task import ScriptEngineTask
from SpiffWorkflow.bpmn.specs.mixins.service_task import ServiceTask as ServiceTaskMixin
from SpiffWorkflow.spiff.serializer.task_spec import SpiffBpmnTaskConverter
from SpiffWorkflow.spiff.specs.spiff_task import SpiffBpmnTask


class ExternalTask(ServiceTaskMixin, SpiffBpmnTask):
    """Work done outside the engine (an external-task worker, a job worker, a connector).

    Running it only hands it out: returning None leaves the task STARTED, so the engine waits
    instead of calling a service it does not have. Whoever does the work completes the task.
    """

    def _run_hook(self, my_task):
        return None


class ExpressionScriptTask(ScriptEngineTask, SpiffBpmnTask):
    """A script task that is one expression whose value goes to a variable (Zeebe's FEEL scripts)."""

    def __init__(self, wf_spec, bpmn_id, expression=None, result_variable=None, **kwargs):
        super().__init__(wf_spec, bpmn_id, **kwargs)
        self.expression = expression
        self.result_variable = result_variable

    def _execute(self, task):
        value = task.workflow.script_engine.evaluate(task, self.expression)
        if self.result_variable:
            task.data[self.result_variable] = value
        return True


class ExpressionScriptTaskConverter(SpiffBpmnTaskConverter):

    def to_dict(self, spec):
        dct = super().to_dict(spec)
        dct["expression"] = spec.expression
        dct["result_variable"] = spec.result_variable
        return dct


# engine/state.py adds these to the serializer registry.
CONVERTERS = {
    ExternalTask: SpiffBpmnTaskConverter,
    ExpressionScriptTask: ExpressionScriptTaskConverter,
}
