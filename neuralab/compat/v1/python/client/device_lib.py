"""``tensorflow.python.client.device_lib``: ``list_local_devices()`` (the one CPU neuralab runs on)."""
from ...missing import module_getattr

#: what TF 1.x reports as the CPU device's memory limit (bytes)
CPU_MEMORY_LIMIT = 268435456


class DeviceAttributes:
    """A device as ``list_local_devices`` describes it: name, device_type, memory_limit, incarnation..."""

    def __init__(self, name, device_type, memory_limit, incarnation=0, physical_device_desc=""):
        self.name, self.device_type, self.memory_limit = name, device_type, memory_limit
        self.incarnation, self.physical_device_desc = incarnation, physical_device_desc
        self.locality = {}

    def __repr__(self):
        return (f'name: "{self.name}"\ndevice_type: "{self.device_type}"\nmemory_limit: {self.memory_limit}\n'
                f"locality {{\n}}\nincarnation: {self.incarnation}\n")

    __str__ = __repr__


def list_local_devices(session_config=None):
    """The local devices: one CPU (``/device:CPU:0``); the TF1 adapter places every op on it."""
    return [DeviceAttributes("/device:CPU:0", "CPU", CPU_MEMORY_LIMIT)]


__getattr__ = module_getattr(__name__, "tensorflow.python.client.device_lib")
