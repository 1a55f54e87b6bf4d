"""What a callback hears of a task result: the host, the task's action and the result dict."""


class Host(object):
    def __init__(self, name):
        self.name = name

    def get_name(self):
        return self.name


class Task(object):
    def __init__(self, action):
        self.action = action


class Result(object):
    def __init__(self, host, action, result):
        self._host, self._task, self._result = Host(host), Task(action), result
