// Placeholder until the projector runtime lands.
import KeelStore
