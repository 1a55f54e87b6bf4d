"""A scripted stand-in for one AWS API client: each operation answers from a queue of results
or errors (the last answer repeats) and every call is recorded. For tests of the engine's and
the handlers' pure logic (which answers they retry, adopt or report), never of a module."""


def _operation(name):
    def call(self, **kwargs):
        return self.answer(name, kwargs)
    call.__name__ = name
    return call


def scripted(operations):
    """A client class for ``operations`` ({boto3 method: API operation name})."""

    class Meta(object):
        method_to_api_mapping = dict(operations)

    class Scripted(object):
        meta = Meta()

        def __init__(self, **script):
            self.script = dict((k, list(v)) for k, v in script.items())
            self.calls = []

        def answer(self, name, kwargs):
            self.calls.append((name, kwargs))
            queue = self.script.get(name) or [{}]
            item = queue.pop(0) if len(queue) > 1 else queue[0]
            if isinstance(item, Exception):
                raise item
            return item(kwargs) if callable(item) else item

        def names(self):
            return [name for name, _kwargs in self.calls]

    for name in operations:
        setattr(Scripted, name, _operation(name))
    return Scripted
