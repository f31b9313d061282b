// Placeholder until the MongoDB adapter lands.
import CMongoC
import KeelStore
